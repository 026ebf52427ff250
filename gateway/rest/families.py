"""The five legacy families: which paths each owns, and its error envelope and codes.

Everything a family answers on its own terms (401, 403, 404, 422, 429, 500, rate-limit
headers) is decided here once, so every route of a family speaks the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse

from gateway.rest.timestamps import iso_seconds

# Generic error kinds -> each family's documented code.
_CODES = {
    "marketing": {
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        400: "BAD_REQUEST",
        422: "VALIDATION_ERROR",
        413: "PAYLOAD_TOO_LARGE",
        429: "RATE_LIMITED",
        500: "INTERNAL_ERROR",
        503: "SERVICE_UNAVAILABLE",
        405: "METHOD_NOT_ALLOWED",
    },
    "pipeline": {
        401: "AUTHENTICATION_FAILED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        400: "BAD_REQUEST",
        422: "VALIDATION_ERROR",
        413: "PAYLOAD_TOO_LARGE",
        429: "RATE_LIMIT_EXCEEDED",
        500: "INTERNAL_ERROR",
        503: "SERVICE_UNAVAILABLE",
        405: "METHOD_NOT_ALLOWED",
    },
    "coaching": {
        401: "AUTHENTICATION_REQUIRED",
        403: "INSUFFICIENT_PERMISSIONS",
        404: "RESOURCE_NOT_FOUND",
        400: "VALIDATION_ERROR",
        422: "VALIDATION_ERROR",
        413: "PAYLOAD_TOO_LARGE",
        429: "RATE_LIMIT_EXCEEDED",
        500: "INTERNAL_SERVER_ERROR",
        503: "SERVICE_UNAVAILABLE",
        405: "METHOD_NOT_ALLOWED",
    },
    "dashboard": {
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        400: "VALIDATION_ERROR",
        422: "VALIDATION_ERROR",
        413: "PAYLOAD_TOO_LARGE",
        429: "RATE_LIMITED",
        500: "INTERNAL_ERROR",
        503: "SERVICE_UNAVAILABLE",
        405: "METHOD_NOT_ALLOWED",
    },
    "social": {
        401: "AUTHENTICATION_REQUIRED",
        403: "INSUFFICIENT_PERMISSIONS",
        404: "RESOURCE_NOT_FOUND",
        400: "VALIDATION_ERROR",
        422: "VALIDATION_ERROR",
        413: "PAYLOAD_TOO_LARGE",
        429: "RATE_LIMIT_EXCEEDED",
        500: "INTERNAL_ERROR",
        503: "SERVICE_UNAVAILABLE",
        405: "METHOD_NOT_ALLOWED",
    },
}

# Spec 001 and spec 004 share /v1; these prefixes are spec 004's (the rest of /v1 is 001's).
_SOCIAL_V1 = (
    "/v1/auth/register",
    "/v1/auth/login",
    "/v1/auth/logout",
    "/v1/user",
    "/v1/dashboard",
    "/v1/analytics",
    "/v1/posts",
    "/v1/campaigns",
    "/v1/settings",
    "/v1/social",
    "/v1/ws",
)


@dataclass(frozen=True)
class Family:
    name: str
    # How X-RateLimit-Reset is written: epoch seconds, or spec 003's ISO time.
    reset_as_iso: bool = False
    # The status a request that fails validation gets (spec 003 and 000 use 400).
    validation_status: int = 422
    # The code of a body that is not JSON at all ("": the family's code for 400).
    invalid_json_code: str = ""
    # The API version every response carries in X-API-Version (spec 003's header).
    version: str | None = None

    def code(self, status: int) -> str:
        return _CODES[self.name].get(status, _CODES[self.name][500 if status >= 500 else 400])

    def error(
        self,
        status: int,
        message: str,
        *,
        details: Any = None,
        request_id: str = "",
        code: str | None = None,
        retry_after: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> JSONResponse:
        code = code or self.code(status)
        body = _BODIES[self.name](code, message, details, request_id, retry_after)
        return JSONResponse(body, status_code=status, headers=headers)


def _marketing(code: str, message: str, details: Any, _rid: str, _retry: int | None) -> dict:
    return {"success": False, "error": {"code": code, "message": message, "details": details}}


def _pipeline(code: str, message: str, details: Any, _rid: str, retry: int | None) -> dict:
    body = {
        "success": False,
        "data": None,
        "metadata": None,
        "message": message,
        "timestamp": iso_seconds(),
        "error_code": code,
        "details": details,
    }
    if retry is not None:
        body["retry_after"] = retry
    return body


def _coaching(code: str, message: str, details: Any, rid: str, _retry: int | None) -> dict:
    return {"error": {"code": code, "message": message, "details": details, "request_id": rid}}


def _dashboard(code: str, message: str, details: Any, rid: str, retry: int | None) -> dict:
    error: dict[str, Any] = {"code": code, "message": message, "details": details}
    if retry is not None:
        error["retryAfter"] = iso_seconds(datetime.now(UTC) + timedelta(seconds=retry))
    return {
        "success": False,
        "error": error,
        "meta": {"timestamp": iso_seconds(), "requestId": rid},
    }


def _social(code: str, message: str, details: Any, rid: str, _retry: int | None) -> dict:
    return {
        "success": False,
        "error": {
            "code": code,
            "message": message,
            "details": details,
            "timestamp": iso_seconds(),
            "requestId": rid,
        },
    }


_BODIES = {
    "marketing": _marketing,
    "pipeline": _pipeline,
    "coaching": _coaching,
    "dashboard": _dashboard,
    "social": _social,
}

MARKETING = Family("marketing", validation_status=400)
PIPELINE = Family("pipeline", invalid_json_code="INVALID_JSON")
COACHING = Family("coaching")
DASHBOARD = Family("dashboard", reset_as_iso=True, validation_status=400, version="1.0.0")
SOCIAL = Family("social")


def family_for(path: str) -> Family | None:
    """The legacy family that owns `path`, or None (GraphQL and the gateway's own pages)."""
    if path.startswith("/api/marketing"):
        return MARKETING
    if path.startswith("/api/v1"):
        return COACHING
    if path.startswith("/api/"):
        return DASHBOARD
    if path.startswith("/v1/"):
        return SOCIAL if path.startswith(_SOCIAL_V1) else PIPELINE
    return None
