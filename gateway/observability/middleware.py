"""Per request: the log context (request id), the access log line, and the request and
GraphQL operation metrics, by route template."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.observability import logs, metrics
from gateway.request_id import request_id_of

access_log = logs.logger("gateway.access")


class ObservabilityMiddleware:
    """Sits inside RequestIdMiddleware (it needs the id) and outside everything else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        logs.bind_request(request_id_of(scope))
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            _record(scope, status, time.perf_counter() - started)


def _record(scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", None) or "unmatched"
    method = scope["method"]
    metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
    metrics.HTTP_LATENCY.labels(method, route).observe(seconds)
    operation = None
    if route == "/graphql":
        operation = metrics.operation_label(
            scope.get("graphql_operation") or scope.get("audit_operation")
        )
        metrics.GRAPHQL_OPERATIONS.labels(operation).inc()
        metrics.GRAPHQL_LATENCY.labels(operation).observe(seconds)
    if status >= 400 and not scope.get("graphql_errors_counted"):
        metrics.ERRORS.labels("http", str(status)).inc()
    principal = scope.get("principal")
    access_log.info(
        "request",
        method=method,
        path=scope["path"],
        route=route,
        operation=operation,
        status=status,
        duration_ms=round(seconds * 1000, 1),
        principal=getattr(principal, "subject", None),
        workspace=getattr(principal, "workspace_id", None),
        client=(scope.get("client") or (None,))[0],
    )
