"""Helpers for spec 003's job tests: the outbox's events and the sandbox's calls of a
workspace, and a local OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def events(sessions: Any, workspace: str, type: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT payload FROM events WHERE workspace_id = :ws AND type = :type "
                "ORDER BY created_at, subject"
            ),
            {"ws": workspace, "type": type},
        )
        return [row.payload for row in rows]


@dataclass
class FakeProvider:
    """An OpenAI-compatible /v1/chat/completions on 127.0.0.1: `mode` decides the answer."""

    mode: str = "ok"  # ok | error | slow | empty
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def completions(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append({"body": body, "authorization": request.headers.get("authorization")})
        if self.mode == "error":
            return JSONResponse({"error": {"message": "model overloaded"}}, status_code=503)
        if self.mode == "slow":
            await asyncio.sleep(5)
        content = (
            ""
            if self.mode == "empty"
            else ('{"title": "Meet the deck", "body": "Shuffle, draw, win. Written remotely."}')
        )
        return JSONResponse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": "local-test-model-2024",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
            }
        )


@contextlib.asynccontextmanager
async def fake_provider() -> AsyncIterator[FakeProvider]:
    provider = FakeProvider()
    app = Starlette(routes=[Route("/v1/chat/completions", provider.completions, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    provider.url = f"http://127.0.0.1:{port}/v1"
    try:
        yield provider
    finally:
        server.should_exit = True
        await task
