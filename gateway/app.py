"""The ASGI application: `uvicorn --factory gateway.app:create_app`."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gateway import dashboard, rest
from gateway.audit import AuditLog
from gateway.auth.principal_cache import PrincipalCache
from gateway.auth.principals import PrincipalResolver
from gateway.auth.service import AuthServices
from gateway.auth.signing_secret import signing_secret
from gateway.auth.tokens import TokenService
from gateway.bootstrap import prepare_database
from gateway.coaching import webhook_routes as channel_webhooks
from gateway.database import create_engine, embedded_postgres, session_factory
from gateway.errors import error_response
from gateway.files import routes as file_routes
from gateway.graphql_view import GraphQLView
from gateway.observability import logs, scrape, tracing
from gateway.persisted_documents import PersistedDocuments
from gateway.pipeline import RequestPipeline
from gateway.ratelimit import RateLimiter
from gateway.route_index import IndexedRouter
from gateway.settings import Settings
from resolvers.schema import schema_for
from subscriptions import legacy_ws
from subscriptions.runtime import live_updates
from subscriptions.transport_send import KeepTransportSend
from subscriptions.transport_ws import TransportWSEndpoint

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    logs.configure_structlog()
    if settings.tracing_enabled:
        tracing.start(settings.otel_service_name, settings.otel_traces_exporter)
    redis = _redis_client(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        with contextlib.ExitStack() as embedded:
            url = settings.database_url or embedded.enter_context(
                embedded_postgres(settings.pgdata_dir)
            )
            engine = create_engine(
                url,
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_pool_overflow,
                echo=settings.sql_echo,
            )
            if settings.tracing_enabled:
                tracing.instrument_engine(engine)
            try:
                if settings.migrate_on_start:
                    await prepare_database(engine, settings)
                app.state.engine = engine
                app.state.sessions = session_factory(engine)
                app.state.persisted_documents = PersistedDocuments(
                    app.state.sessions,
                    mode=settings.persisted_queries,
                    redis_url=settings.redis_url,
                    apq_ttl=settings.apq_ttl_seconds,
                )
                async with (
                    app.state.audit.running(engine),
                    live_updates(settings, engine, url) as app.state.live,
                ):
                    principals.cache.attach(app.state.live.broker)
                    try:
                        yield
                    finally:
                        principals.cache.detach()
            finally:
                await engine.dispose()
                if redis is not None:
                    await redis.aclose()

    graphql = GraphQLView(
        schema_for(settings),
        graphql_ide="graphiql" if settings.is_development else None,
        allow_queries_via_get=True,
    )
    # the WebSocket side of /graphql, reached from the pipeline directly (gateway/pipeline.py)
    graphql_ws = TransportWSEndpoint(graphql)
    routes = [
        Route("/", _index),
        Route("/healthz", _healthz),
        Route("/metrics", scrape.endpoint, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_ws),
        WebSocketRoute("/v1/ws", legacy_ws.endpoint),
        *dashboard.routes,
        *file_routes.routes,
        *channel_webhooks.routes,
        *rest.routes(),
    ]
    pipeline = Middleware(
        RequestPipeline,
        max_bytes=settings.max_body_bytes,
        graphql_max_bytes=settings.graphql_max_body_bytes,
        websocket_endpoints={"/graphql": graphql_ws},
    )
    if settings.tracing_enabled:
        # Outermost, the WebSocket's own send is kept before tracing wraps it.
        middleware = [
            Middleware(KeepTransportSend),
            Middleware(tracing.asgi_middleware()),
            pipeline,
        ]
    else:
        middleware = [pipeline]  # it keeps the WebSocket's own send itself
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _server_error},
    )
    # Literal paths are looked up, not scanned (gateway/route_index.py).
    app.router = IndexedRouter(routes, lifespan=lifespan)
    app.state.settings = settings
    if settings.trusted_proxies:
        # uvicorn's own implementation: the rightmost address not a trusted proxy is the
        # client's. Built before any request, it wraps the whole app.
        app.add_middleware(
            ProxyHeadersMiddleware, trusted_hosts=[str(h) for h in settings.trusted_proxies]
        )
    app.state.redis = redis
    app.state.audit = AuditLog()
    app.state.rate_limiter = RateLimiter(
        _limits_storage(settings),
        scale=settings.rate_limit_scale,
        gateway_per_minute=settings.gateway_requests_per_minute,
        key_prefix=settings.rate_limit_key_prefix,
        redis=redis,
    )
    tokens = TokenService(
        secret=signing_secret(settings),
        issuer=settings.jwt_issuer,
        access_ttl=settings.access_token_ttl,
        refresh_ttl=settings.refresh_token_ttl,
    )
    principals = PrincipalResolver(tokens, PrincipalCache(ttl=settings.principal_cache_seconds))
    app.state.auth = AuthServices(tokens=tokens, principals=principals)
    return app


def serve_app() -> Starlette:
    """The container's entry point (`uvicorn --factory gateway.app:serve_app`): the app,
    with the process's logs as structured lines (LOG_FORMAT, LOG_LEVEL)."""
    settings = Settings()
    logs.install(level=settings.log_level, fmt=settings.log_format)
    return create_app(settings)


def _limits_storage(settings: Settings) -> str:
    if not settings.redis_url:
        return "async+memory://"
    return "async+" + settings.redis_url


def _redis_client(settings: Settings):  # type: ignore[no-untyped-def]
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)


async def _index(request: Request) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return RedirectResponse("/graphql")
    return JSONResponse({"service": "marketing-graph-gateway", "graphql": "/graphql"})


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "Resource not found", 405: "Method not allowed"}
    return error_response(
        request.scope,
        exc.status_code,
        messages.get(exc.status_code, str(exc.detail)),
        headers=getattr(exc, "headers", None),
    )


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(request.scope, 500, "Internal server error")
