"""Each legacy family's response and error envelope, exactly as its spec shows it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse


def iso_seconds(moment: datetime | None = None) -> str:
    """`2025-09-29T10:30:00Z`: the timestamp form spec 001 uses."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime | None = None) -> str:
    """`2024-01-23T04:39:57.846Z`: the timestamp form spec 000 uses."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Pipeline:
    """Spec 001 (marketing analytics pipeline, base /v1)."""

    @staticmethod
    def ok(
        data: Any,
        message: str,
        *,
        query_time: float = 0.0,
        data_points: int = 0,
        cache_hit_rate: float = 0,
        status_code: int = 200,
        **metadata: Any,
    ) -> JSONResponse:
        return JSONResponse(
            {
                "success": True,
                "data": data,
                "metadata": {
                    "query_time": round(query_time, 3),
                    "cache_hit_rate": cache_hit_rate,
                    "data_points": data_points,
                    "memory_usage": 0,
                    **metadata,
                },
                "message": message,
                "timestamp": iso_seconds(),
            },
            status_code=status_code,
        )

    @staticmethod
    def error(status_code: int, error_code: str, message: str, details: Any = None) -> JSONResponse:
        return JSONResponse(
            {
                "success": False,
                "data": None,
                "metadata": None,
                "message": message,
                "timestamp": iso_seconds(),
                "error_code": error_code,
                "details": details,
            },
            status_code=status_code,
        )


class Dashboard:
    """Spec 003 (organic marketing dashboard, base /api)."""

    VERSION = "1.0.0"

    @staticmethod
    def ok(data: Any, request_id: str, *, status_code: int = 200) -> JSONResponse:
        meta = {"timestamp": iso_seconds(), "version": Dashboard.VERSION, "requestId": request_id}
        return JSONResponse({"success": True, "data": data, "meta": meta}, status_code=status_code)


class Social:
    """Spec 004 (AI social media platform, base /v1)."""

    @staticmethod
    def ok(data: Any, *, status_code: int = 200) -> JSONResponse:
        return JSONResponse({"success": True, "data": data}, status_code=status_code)

    @staticmethod
    def message(message: str) -> JSONResponse:
        return JSONResponse({"success": True, "message": message})


class Marketing:
    """Spec 000 (AI character platform, base /api/marketing)."""

    @staticmethod
    def ok(data: Any, *, status_code: int = 200) -> JSONResponse:
        return JSONResponse({"success": True, "data": data}, status_code=status_code)

    @staticmethod
    def error(status_code: int, code: str, message: str, details: Any = None) -> JSONResponse:
        return JSONResponse(
            {"success": False, "error": {"code": code, "message": message, "details": details}},
            status_code=status_code,
        )
