"""Reads that may run at once: a stand-in for a session that only reads.

Each statement runs on a pooled connection of its own, outside any transaction (one round
trip), so a computation may issue its independent statements together (asyncio.gather;
models/analytics/sql.py:together). Each statement sees one snapshot, as each did in a READ
COMMITTED transaction. `bind` is the transactional engine, for the rare write a read path
makes in a transaction of its own (window totals).

A text statement (every analytics read) goes to asyncpg directly, compiled once per text:
SQLAlchemy's connection, execution context and result bookkeeping cost about 0.15 ms per
statement, more than most of these statements take in PostgreSQL. The rows come back as
SQLAlchemy rows all the same. While anything listens to the engine's statement events
(tracing, a test counting statements) every statement goes through SQLAlchemy, so they see
it as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.types import NullType
from sqlalchemy.util import greenlet_spawn

from gateway.database import read_sessions
from gateway.outage import database_unavailable


class ConcurrentReads:
    concurrent = True  # models/analytics/sql.py:together runs reads at once on it

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.bind: AsyncEngine = sessions.kw["bind"]
        self._autocommit: AsyncEngine = read_sessions(sessions).kw["bind"]

    async def execute(self, statement: Any, params: Any = None) -> Any:
        if isinstance(statement, TextClause) and not _observed(self.bind):
            positional = _positional(statement, self.bind.dialect)
            if positional is not None:
                return await self._direct(*positional, params or {})
        async with self._autocommit.connect() as connection:
            result = await connection.execute(statement, params)
            return result.freeze()()  # the rows, read before the connection goes back

    async def scalars(self, statement: Any, params: Any = None) -> Any:
        return (await self.execute(statement, params)).scalars()

    async def scalar(self, statement: Any, params: Any = None) -> Any:
        return (await self.execute(statement, params)).scalar()

    async def _direct(self, sql: str, names: tuple[str, ...], params: dict[str, Any]) -> Any:
        pooled = await self.bind.raw_connection()
        try:
            # Outside any transaction: the driver's own connection never begins one.
            records = await pooled.driver_connection.fetch(sql, *(params[n] for n in names))
        except BaseException as exc:
            if database_unavailable(exc):
                # not back into the pool: a later request reconnects
                await greenlet_spawn(pooled.invalidate, exc)
            raise
        finally:
            # In SQLAlchemy's greenlet: a check-in may close the connection (over the pool's
            # size), which awaits the driver.
            await greenlet_spawn(pooled.close)
        keys = list(records[0].keys()) if records else []
        return IteratorResult(SimpleResultMetaData(keys), iter(records))


def _observed(engine: AsyncEngine) -> bool:
    """Whether anything listens to the engine's statements now (tracing, a test counting)."""
    dispatch = engine.sync_engine.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


_COMPILED: dict[str, tuple[str, tuple[str, ...]]] = {}
_MAX_COMPILED = 4096  # texts are built from fixed parts (values travel as parameters)


def _positional(statement: TextClause, dialect: Any) -> tuple[str, tuple[str, ...]] | None:
    """asyncpg's SQL ($1, $2, ...) for a text statement and its parameter names in order,
    compiled once per text; None when a parameter has a type (SQLAlchemy would convert its
    value)."""
    if any(not isinstance(p.type, NullType) for p in statement._bindparams.values()):
        return None
    found = _COMPILED.get(statement.text)
    if found is None:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        compiled = statement.compile(dialect=dialect)
        found = _COMPILED[statement.text] = (compiled.string, tuple(compiled.positiontup or ()))
    return found
