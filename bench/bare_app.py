"""The floor for `{ __typename }`: a bare Starlette route with the gateway's own API-key
check (gateway/auth/keys.py:authenticate_key, the same SQL), answering the same JSON.

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

from gateway.auth.keys import KeyRejected, authenticate_key
from gateway.database import create_engine, session_factory

ANSWER = b'{"data":{"__typename":"Query"}}'


def create_app() -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(os.environ["DATABASE_URL"])
        app.state.sessions = session_factory(engine)
        yield
        await engine.dispose()

    async def graphql(request: Request) -> Response:
        await request.body()
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            async with request.app.state.sessions() as session:
                await authenticate_key(session, token, request.client.host)  # type: ignore[union-attr]
        except KeyRejected as exc:
            return JSONResponse({"errors": [{"message": str(exc)}]}, status_code=exc.status)
        return Response(ANSWER, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
