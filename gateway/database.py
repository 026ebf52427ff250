"""The PostgreSQL connection: the configured server, or an embedded one from pgserver."""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)


def async_url(url: str) -> str:
    """Normalise any postgres URL to SQLAlchemy's asyncpg dialect."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+")[0]
    if scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got {parts.scheme}://")
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


def plain_url(url: str) -> str:
    """The libpq form of a URL (for asyncpg.connect and tools)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


@contextlib.contextmanager
def embedded_postgres(pgdata: Path) -> Iterator[str]:
    """Start (or reuse) the embedded PostgreSQL in `pgdata`; stop it when the block ends.

    The server is shared by every process that opens the same directory and stops when the
    last one lets go, so `gateway demo` and a second `gateway serve` can run side by side.
    A server left running by a process that died without letting go is adopted, and stopped
    when this process (its last holder now) lets go.
    """
    import pgserver  # imported lazily: a configured DATABASE_URL never needs it

    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    log.info("starting embedded PostgreSQL in %s", pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    try:
        _forget_exited_holders(server)
        yield server.get_uri()
    finally:
        server.cleanup()


def _forget_exited_holders(server: object) -> None:
    """pgserver counts a server's holders by process id and stops it when the last one lets
    go; a holder that was killed never lets go, and the server would then run forever.
    Holders that no longer exist are forgotten (under pgserver's own lock)."""
    import psutil  # pgserver's dependency

    with server._lock:  # type: ignore[attr-defined]
        holders = server.global_process_id_list  # type: ignore[attr-defined]
        holders.put([pid for pid in holders.get() if psutil.pid_exists(pid)])


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int | None = None,
    echo: bool = False,
    server_settings: dict[str, str] | None = None,
) -> AsyncEngine:
    """The app's engine; `server_settings` are PostgreSQL settings for every session it opens
    (the demo loader's own engine uses them for bulk-load settings). `max_overflow` defaults
    to `pool_size`."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_pre_ping=False,
        echo=echo,
        # Every statement is planned with parameters; asyncpg's statement cache does the rest.
        connect_args={
            "server_settings": {
                "application_name": "marketing-graph-gateway",
                # JIT pays off for queries running for seconds; ours answer in milliseconds,
                # and a misestimated row count made it compile for 560 ms of a 1.1 s request.
                "jit": "off",
                **(server_settings or {}),
            }
        },
    )


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


_READ_TWINS: weakref.WeakKeyDictionary[Any, async_sessionmaker[AsyncSession]] = (
    weakref.WeakKeyDictionary()
)


def read_sessions(sessions: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    """The read-only twin of a session factory: same pool, autocommit, so each statement is
    one round trip instead of BEGIN, the statement and ROLLBACK. Only for reads: a write in
    one of these sessions would not be atomic. (One statement sees one snapshot, as before:
    every loader batch already ran in a session of its own.)"""
    twin = _READ_TWINS.get(sessions)
    if twin is None:
        engine: AsyncEngine = sessions.kw["bind"]
        twin = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
        )
        _READ_TWINS[sessions] = twin
    return twin


@contextlib.asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any error."""
    async with sessions() as session, session.begin():
        yield session
