"""Per request: the access log line, and the request and GraphQL operation metrics, by route
template (recorded by gateway/pipeline.py when the request ends)."""

from __future__ import annotations

import functools
from typing import Any

from starlette.types import Scope

from gateway.observability import logs, metrics

access_log = logs.logger("gateway.access")


@functools.lru_cache(maxsize=4096)
def _http_series(method: str, route: str, status: int) -> tuple[Any, Any]:
    """The request counter's and latency histogram's series of one label set, looked up
    once: `labels()` takes a lock and builds its key on every call. The label sets are
    bounded (route templates, `unmatched`), so the cache never evicts in practice."""
    return (
        metrics.HTTP_REQUESTS.labels(method, route, str(status)),
        metrics.HTTP_LATENCY.labels(method, route),
    )


@functools.lru_cache(maxsize=512)
def _operation_series(operation: str) -> tuple[Any, Any]:
    return metrics.GRAPHQL_OPERATIONS.labels(operation), metrics.GRAPHQL_LATENCY.labels(operation)


def record_request(scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", None) or "unmatched"
    method = scope["method"]
    requests, latency = _http_series(method, route, status)
    requests.inc()
    latency.observe(seconds)
    operation = None
    if route == "/graphql":
        operation = metrics.operation_label(
            scope.get("graphql_operation") or scope.get("audit_operation")
        )
        operations, operation_latency = _operation_series(operation)
        operations.inc()
        operation_latency.observe(seconds)
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
