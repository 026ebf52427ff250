"""Floors for the gateway's answers: bare Starlette routes with the gateway's own API-key
check (gateway/auth/principals.py: the same lookup, behind the same principal cache).

- POST /graphql answers `{ __typename }` (bench/read_path.py starts it as `bare`);
- GET /api/marketing/... runs the statements one uncached gateway request of that route
  issues (captured by bench/marketing_routes.py, a pickle named by BARE_STATEMENTS), in
  sequence on one pooled connection, and answers their rows as JSON: the least any HTTP
  stack in Python can spend on that route.

    uvicorn --factory bare_app:create_app
"""

from __future__ import annotations

import contextlib
import os
import pickle
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.principal_cache import PrincipalCache
from gateway.auth.principals import PrincipalResolver, Problem
from gateway.auth.tokens import TokenService
from gateway.database import create_engine, session_factory
from gateway.settings import Settings

ANSWER = b'{"data":{"__typename":"Query"}}'


def create_app() -> Starlette:
    settings = Settings(_env_file=None)
    statements: dict[str, list[tuple[str, tuple]]] = {}
    if os.environ.get("BARE_STATEMENTS"):
        captured = pickle.loads(Path(os.environ["BARE_STATEMENTS"]).read_bytes())
        # The key check below does the key lookup itself.
        statements = {
            path: [(sql, params) for sql, params in seen if "api_keys" not in sql]
            for path, seen in captured.items()
        }
    tokens = TokenService(
        secret="bare floor, API keys only",
        issuer=settings.jwt_issuer,
        access_ttl=settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
    )
    principals = PrincipalResolver(tokens, PrincipalCache(ttl=settings.principal_cache_seconds))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(os.environ["DATABASE_URL"])
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        yield
        await engine.dispose()

    async def key_problem(request: Request) -> Response | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        client = request.client.host if request.client else None
        sessions = request.app.state.sessions
        outcome = await principals.resolve(token, sessions=sessions, client=client)
        if isinstance(outcome, Problem):
            return JSONResponse({"errors": [{"message": outcome.message}]}, outcome.status)
        return None

    async def graphql(request: Request) -> Response:
        await request.body()
        return await key_problem(request) or Response(ANSWER, media_type="application/json")

    async def marketing(request: Request) -> Response:
        problem = await key_problem(request)
        if problem is not None:
            return problem
        seen = statements.get(request.url.path)
        if seen is None:
            return JSONResponse({"success": False}, 404)
        answers: list[Any] = []
        async with request.app.state.engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            for sql, params in seen:
                answers.append([dict(row) for row in await raw.fetch(sql, *params)])
        body = orjson.dumps({"success": True, "data": answers}, default=str)
        return Response(body, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/api/marketing/{rest:path}", marketing, methods=["GET"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
