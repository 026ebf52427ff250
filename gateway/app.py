"""The ASGI application: `uvicorn --factory gateway.app:create_app`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute

from gateway import rest
from gateway.bootstrap import prepare_database
from gateway.database import create_engine, embedded_postgres, session_factory
from gateway.graphql_view import GraphQLView
from gateway.settings import Settings
from resolvers.schema import schema
from subscriptions import legacy_ws
from subscriptions.runtime import live_updates


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with contextlib.ExitStack() as embedded:
            url = settings.database_url or embedded.enter_context(
                embedded_postgres(settings.pgdata_dir)
            )
            engine = create_engine(url, pool_size=settings.db_pool_size, echo=settings.sql_echo)
            try:
                if settings.migrate_on_start:
                    await prepare_database(engine, settings)
                app.state.engine = engine
                app.state.sessions = session_factory(engine)
                async with live_updates(settings, engine, url) as app.state.live:
                    yield
            finally:
                await engine.dispose()

    graphql = GraphQLView(
        schema,
        graphql_ide="graphiql" if settings.is_development else None,
        allow_queries_via_get=True,
    )
    routes = [
        Route("/", _index),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        WebSocketRoute("/v1/ws", legacy_ws.endpoint),
        *rest.routes(),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.settings = settings
    return app


async def _index(request: Request) -> JSONResponse | RedirectResponse:
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/graphql")
    return JSONResponse({"service": "marketing-graph-gateway", "graphql": "/graphql"})
