"""A real uvicorn serving the app on 127.0.0.1 (random port), and WebSocket helpers.

`?as=<workspace_id>` on a connection stands in for the identity layer's middleware in
these tests: it sets the request's principal, exactly where authentication will.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from gateway.app import create_app
from gateway.principal import Principal
from gateway.settings import Settings
from gateway.websocket_protocol import PROTOCOL as WEBSOCKET_PROTOCOL


def with_test_principal(app: Any) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            query = parse_qs(scope.get("query_string", b"").decode())
            if "as" in query:
                scope["principal"] = Principal(workspace_id=query["as"][0], subject="test")
        await app(scope, receive, send)

    return wrapped


@dataclass
class LiveServer:
    port: int
    app: Any

    def ws(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def http(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


# A webhook failing this many attempts in a row is disabled (50 in production): small, so
# the test of it stays fast; other tests' endpoints fail at most once before succeeding.
WEBHOOK_DISABLE_AFTER = 3


def fast_settings(settings: Settings, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "relay_in_app": True,
            "worker_in_app": True,
            "relay_poll_seconds": 0.2,
            "worker_poll_seconds": 0.2,
            "webhook_allow_loopback": True,
            "webhook_retry_base_seconds": 0.2,
            "webhook_disable_after": WEBHOOK_DISABLE_AFTER,
            "webhook_timeout_seconds": 2.0,
            "migrate_on_start": False,
            **overrides,
        }
    )


@pytest.fixture(scope="session")
async def live_server(settings: Settings, engine: Any) -> AsyncIterator[LiveServer]:
    app = create_app(fast_settings(settings))
    config = uvicorn.Config(
        with_test_principal(app),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        ws=WEBSOCKET_PROTOCOL,  # as the gateway serves WebSockets (gateway/cli.py)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveServer(port, app)
    server.should_exit = True
    await task


async def transport_ws_subscribe(
    url: str,
    query: str,
    variables: dict[str, Any] | None = None,
    connection_params: dict[str, Any] | None = None,
) -> ClientConnection:
    """Open a graphql-transport-ws connection and start one subscription (id "1")."""
    ws = await connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": connection_params or {}}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    payload = {"query": query, "variables": variables or {}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def next_message(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message.get("type") not in ("ka", "ping", "pong"):
            return message


Publish = Callable[..., Awaitable[str]]


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A local HTTP endpoint for webhooks: records requests, answers from `responses`."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.responses: list[tuple[int, dict[str, str]]] = []  # consumed first; then 200
        self.port = 0
        self.hang = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.requests.append(Received(headers, body))
        if self.hang:
            await asyncio.sleep(3600)
        status, extra = self.responses.pop(0) if self.responses else (200, {})
        raw_headers = [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"ok"})

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    endpoint = Receiver()
    config = uvicorn.Config(endpoint, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    endpoint.port = server.servers[0].sockets[0].getsockname()[1]
    yield endpoint
    server.should_exit = True
    server.force_exit = True
    await task
