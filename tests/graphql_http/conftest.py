"""The app on a real port for node's audit (no relay or worker: plain HTTP only)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from gateway.app import create_app
from gateway.settings import Settings
from tests.subscriptions.conftest import LiveServer


@pytest.fixture(scope="module")
async def live_http_server(settings: Settings, engine: Any) -> AsyncIterator[LiveServer]:
    app = create_app(settings.model_copy(update={"migrate_on_start": False}))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveServer(port, app)
    server.should_exit = True
    await task
