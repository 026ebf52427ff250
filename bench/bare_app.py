"""The floor for `{ __typename }`: a bare Starlette route with the gateway's own API-key
check (gateway/auth/principals.py:PrincipalResolver, the same SQL behind the same brief
principal cache), answering the same JSON.

    uvicorn --factory bare_app:create_app   (bench/read_path.py starts it as `bare`)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

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
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(os.environ["DATABASE_URL"])
        app.state.sessions = session_factory(engine)
        settings = Settings(database_url=os.environ["DATABASE_URL"], _env_file=None)
        tokens = TokenService(secret="bench-floor-only", issuer="bench", access_ttl=60,
                              refresh_ttl=60)  # fmt: skip
        cache = PrincipalCache(ttl=settings.principal_cache_seconds)
        app.state.principals = PrincipalResolver(tokens, cache)
        yield
        await engine.dispose()

    async def graphql(request: Request) -> Response:
        await request.body()
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        client = request.client.host if request.client else None
        found = await request.app.state.principals.resolve(
            token, sessions=request.app.state.sessions, client=client
        )
        if isinstance(found, Problem):
            return JSONResponse({"errors": [{"message": found.message}]}, status_code=found.status)
        return Response(ANSWER, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
