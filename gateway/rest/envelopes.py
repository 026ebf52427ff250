"""Each legacy family's success envelope, exactly as its spec shows it. Error bodies are
defined once, in gateway/rest/families.py; the `error` helpers here delegate to them.

Every class answers the same two calls, so the declarative route mechanism
(gateway/rest/routing.py) can speak any family's language:

    ok(data, request_id="", *, status_code=200) -> Response
    error(status_code, code, message, details=None, *, request_id="") -> Response
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

from gateway.rest.families import COACHING, DASHBOARD, MARKETING, PIPELINE, SOCIAL
from gateway.rest.timestamps import iso_millis, iso_seconds

__all__ = [
    "Coaching",
    "Dashboard",
    "Marketing",
    "Pipeline",
    "Social",
    "iso_millis",
    "iso_seconds",
]


class FastJSONResponse(JSONResponse):
    """orjson rendering: spec 001's answers carry thousands of numbers."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class Pipeline:
    """Spec 001 (marketing analytics pipeline, base /v1)."""

    @staticmethod
    def ok(
        data: Any,
        message: str = "Request processed",
        *,
        query_time: float = 0.0,
        data_points: int = 0,
        cache_hit_rate: float = 0,
        memory_usage: float = 0,
        status_code: int = 200,
        request_id: str = "",
        **metadata: Any,
    ) -> JSONResponse:
        del request_id  # spec 001's body has no place for it (X-Request-ID carries it)
        return FastJSONResponse(
            {
                "success": True,
                "data": data,
                "metadata": {
                    "query_time": round(query_time, 3),
                    "cache_hit_rate": cache_hit_rate,
                    "data_points": data_points,
                    "memory_usage": memory_usage,
                    **metadata,
                },
                "message": message,
                "timestamp": iso_seconds(),
            },
            status_code=status_code,
        )

    @staticmethod
    def plain(data: Any, message: str, *, status_code: int = 200) -> JSONResponse:
        """The bodies spec 001 shows without `metadata` (statistics, cache management)."""
        return FastJSONResponse(
            {"success": True, "data": data, "message": message, "timestamp": iso_seconds()},
            status_code=status_code,
        )

    @staticmethod
    def error(
        status_code: int, code: str, message: str, details: Any = None, *, request_id: str = ""
    ) -> JSONResponse:
        return PIPELINE.error(status_code, message, code=code, details=details)


class Coaching:
    """Spec 002 (coaching creator hub, base /api/v1): bodies are the documented objects
    themselves, with no envelope around them."""

    @staticmethod
    def ok(data: Any, request_id: str = "", *, status_code: int = 200) -> JSONResponse:
        return JSONResponse(data, status_code=status_code)

    @staticmethod
    def error(
        status_code: int, code: str, message: str, details: Any = None, *, request_id: str = ""
    ) -> JSONResponse:
        return COACHING.error(
            status_code, message, code=code, details=details, request_id=request_id
        )


class Dashboard:
    """Spec 003 (organic marketing dashboard, base /api)."""

    VERSION = DASHBOARD.version

    @staticmethod
    def ok(data: Any, request_id: str = "", *, status_code: int = 200) -> JSONResponse:
        meta = {"timestamp": iso_seconds(), "version": Dashboard.VERSION, "requestId": request_id}
        return JSONResponse({"success": True, "data": data, "meta": meta}, status_code=status_code)

    @staticmethod
    def error(
        status_code: int, code: str, message: str, details: Any = None, *, request_id: str = ""
    ) -> JSONResponse:
        return DASHBOARD.error(
            status_code, message, code=code, details=details, request_id=request_id
        )


class Social:
    """Spec 004 (AI social media platform, base /v1)."""

    @staticmethod
    def ok(data: Any, request_id: str = "", *, status_code: int = 200) -> JSONResponse:
        return JSONResponse({"success": True, "data": data}, status_code=status_code)

    @staticmethod
    def message(message: str) -> JSONResponse:
        return JSONResponse({"success": True, "message": message})

    @staticmethod
    def error(
        status_code: int, code: str, message: str, details: Any = None, *, request_id: str = ""
    ) -> JSONResponse:
        return SOCIAL.error(status_code, message, code=code, details=details, request_id=request_id)


class Marketing:
    """Spec 000 (AI character platform, base /api/marketing)."""

    @staticmethod
    def ok(data: Any, request_id: str = "", *, status_code: int = 200) -> JSONResponse:
        return JSONResponse({"success": True, "data": data}, status_code=status_code)

    @staticmethod
    def error(
        status_code: int, code: str, message: str, details: Any = None, *, request_id: str = ""
    ) -> JSONResponse:
        return MARKETING.error(status_code, message, code=code, details=details)
