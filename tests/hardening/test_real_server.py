"""Behaviour only a real HTTP server shows: the gateway served by uvicorn with the options
`gateway serve` uses, on 127.0.0.1.

- X-Forwarded-For is believed only from the proxies TRUSTED_PROXIES names (off by default):
  uvicorn's own default trusts any local client.
- A PostgreSQL outage (a TCP relay in front of the real server drops every connection and
  refuses new ones) answers 503 with Retry-After in the caller's format, the HTTP
  connection stays open, and the gateway recovers by itself when the database is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
import uvicorn

from gateway.app import create_app
from gateway.auth.keys import create_key
from gateway.cli import uvicorn_options
from gateway.database import transaction
from gateway.settings import Settings
from tests.utils import accounts


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[Any, str]]:
    port = _free_port()
    settings = settings.model_copy(update={"port": port, "host": "127.0.0.1"})
    app = create_app(settings)
    config = uvicorn.Config(app, **{**uvicorn_options(settings), "log_level": "warning"})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.05)
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def test_forwarded_headers_are_believed_only_from_trusted_proxies(settings, workspace):
    for trusted, expected in (([], 403), (["127.0.0.1"], 200)):
        async with serving(settings.model_copy(update={"trusted_proxies": trusted})) as (app, url):
            async with transaction(app.state.sessions) as session:
                key = await create_key(
                    session,
                    workspace_id=workspace,
                    name="office",
                    scopes=["read:analytics"],
                    ip_allowlist=["203.0.113.7/32"],
                    created_by=None,
                )
            async with httpx.AsyncClient(base_url=url) as http:
                response = await http.get(
                    "/api/marketing/dashboard/health",
                    headers={
                        "Authorization": f"Bearer {key.secret}",
                        "X-Forwarded-For": "203.0.113.7",
                    },
                )
            assert response.status_code == expected, (trusted, response.text)


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection dropped, new ones
    refused at once) and restored."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.open = True
        self._pipes: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        self.open = False
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._pipes |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            with contextlib.suppress(Exception):
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def _two_requests_on_one_connection(port: int, requests: list[bytes]) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        for request in requests:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            answers.append(head + await reader.readexactly(length))
    finally:
        writer.close()
    return answers


def _request(method: str, path: str, token: str, body: bytes = b"") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def test_a_postgresql_outage_answers_503_keeps_the_connection_and_recovers(
    settings, workspace
):
    parts = urlsplit(settings.database_url or "")
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relay_port = await relay.start()
    relayed = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{relay_port}"))
    overrides = {"database_url": relayed, "migrate_on_start": False, "db_pool_size": 2}
    try:
        async with serving(settings.model_copy(update=overrides)) as (app, url):
            token = await accounts.owner_token(app, workspace)
            port = int(url.rsplit(":", 1)[1])
            graphql = orjson.dumps({"query": "{ characters(first: 1) { totalCount } }"})
            before = await _two_requests_on_one_connection(
                port, [_request("GET", "/api/auth/me", token)]
            )
            assert before[0].startswith(b"HTTP/1.1 200")
            relay.cut()
            during = await _two_requests_on_one_connection(
                port,
                [
                    _request("GET", "/api/auth/me", token),
                    _request("POST", "/graphql", token, graphql),
                    _request("POST", "/v1/data/upload", token, b'{"data_type":"users","data":[]}'),
                ],
            )
            for answer in during:  # all three on one connection: it was kept open
                head = answer.partition(b"\r\n\r\n")[0]
                assert head.startswith(b"HTTP/1.1 503"), answer
                assert b"retry-after: 5" in head.lower(), head
                assert b"connection: close" not in head.lower(), head
            assert orjson.loads(during[0].partition(b"\r\n\r\n")[2])["error"]["code"] == (
                "SERVICE_UNAVAILABLE"
            )
            error = orjson.loads(during[1].partition(b"\r\n\r\n")[2])["errors"][0]
            assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
            assert orjson.loads(during[2].partition(b"\r\n\r\n")[2])["error_code"] == (
                "SERVICE_UNAVAILABLE"
            )
            relay.open = True
            async with httpx.AsyncClient(
                base_url=url, headers={"Authorization": f"Bearer {token}"}
            ) as http:
                for _ in range(50):
                    recovered = await http.get("/api/auth/me")
                    if recovered.status_code == 200:
                        break
                    await asyncio.sleep(0.1)
            assert recovered.status_code == 200, recovered.text
    finally:
        relay.cut()
        assert relay.server is not None
        relay.server.close()
