"""The gateway served by a real uvicorn on 127.0.0.1 in a thread of its own, for the fuzz
passes (schemathesis sends plain HTTP requests from the test's thread).

Nothing leaves this machine: the server listens on 127.0.0.1, the relay and the webhook
worker are off (no delivery is ever attempted), and the server's event loop refuses DNS
look-ups, so even registering a webhook for a made-up host name resolves nothing outside.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text

from gateway.app import create_app
from gateway.auth.keys import create_key
from gateway.database import create_engine, session_factory, transaction
from gateway.principal import KEY_SCOPES
from gateway.settings import Settings
from models.tenancy import Workspace


@dataclass(frozen=True)
class FuzzTarget:
    base_url: str
    headers: dict[str, str]


def _no_dns(loop: asyncio.AbstractEventLoop) -> None:
    resolve = loop.getaddrinfo

    async def literal_only(host: Any, *args: Any, **kw: Any) -> Any:
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "no DNS in the fuzz pass") from None
        return await resolve(host, *args, **kw)

    loop.getaddrinfo = literal_only  # type: ignore[method-assign]


async def _fuzz_key(url: str) -> tuple[str, str]:
    """An API key with every key scope, in a workspace of its own (fuzzed writes land
    there, never in another test's data)."""
    engine = create_engine(url, pool_size=1)
    try:
        workspace_id = f"ws_fuzz_{uuid.uuid4().hex[:8]}"
        async with transaction(session_factory(engine)) as session:
            session.add(Workspace(id=workspace_id, name="Fuzz", slug=workspace_id))
            await session.flush()
            key = await create_key(
                session,
                workspace_id=workspace_id,
                name="fuzz",
                scopes=sorted(KEY_SCOPES),
                ip_allowlist=[],
                created_by=None,
            )
        return workspace_id, key.secret
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")  # stopped once the fuzz passes are done
def fuzz_target(settings: Settings, engine: Any) -> Iterator[FuzzTarget]:
    del engine  # requested for its migration of the test database
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(settings.model_copy(update={"rate_limit_scale": 0, "port": port}))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, loop="asyncio", log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    loop = asyncio.new_event_loop()
    _no_dns(loop)
    thread = threading.Thread(target=loop.run_until_complete, args=(server.serve(),), daemon=True)
    thread.start()
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.1)
    assert server.started, "the fuzz server did not start"
    workspace_id, key = asyncio.run_coroutine_threadsafe(
        _fuzz_key(settings.database_url or ""), loop
    ).result(60)
    try:
        yield FuzzTarget(f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {key}"})
    finally:
        server.should_exit = True
        thread.join(30)
        loop.close()
        asyncio.run(_forget(settings.database_url or "", workspace_id))


async def _forget(url: str, workspace_id: str) -> None:
    """No delivery may ever come of the fuzz pass: a relay and worker running later in this
    process would otherwise send the fuzz workspace's events to the webhooks it registered
    (public addresses pass the guard)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM webhooks WHERE workspace_id = :ws"), {"ws": workspace_id}
            )
            await connection.execute(
                text(
                    "UPDATE events SET published_at = now() "
                    "WHERE workspace_id = :ws AND published_at IS NULL"
                ),
                {"ws": workspace_id},
            )
    finally:
        await engine.dispose()
