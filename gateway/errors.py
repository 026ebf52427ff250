"""Errors in the caller's format: the owning family's envelope, or GraphQL's for /graphql."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.types import Scope

from gateway.request_id import request_id_of
from gateway.rest.families import MARKETING, family_for

_GRAPHQL_CODES = {
    400: "BAD_REQUEST",
    405: "METHOD_NOT_ALLOWED",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    413: "PAYLOAD_TOO_LARGE",
    429: "RATE_LIMITED",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error_response(
    scope: Scope,
    status: int,
    message: str,
    *,
    details: Any = None,
    retry_after: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    path = scope.get("path", "")
    request_id = request_id_of(scope)
    family = family_for(path)
    if family is None and path.startswith("/graphql"):
        code = _GRAPHQL_CODES.get(status, "BAD_REQUEST")
        extensions: dict[str, Any] = {"code": code}
        if retry_after is not None:
            extensions["retryAfter"] = retry_after
        return JSONResponse(
            {"errors": [{"message": message, "extensions": extensions}]},
            status_code=status,
            headers=headers,
        )
    return (family or MARKETING).error(
        status,
        message,
        details=details,
        request_id=request_id,
        retry_after=retry_after,
        headers=headers,
    )
