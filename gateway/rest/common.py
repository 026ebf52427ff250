"""What every REST shim needs: parse and validate a body in its family's terms."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from gateway.request_id import request_id_of
from gateway.rest.families import Family

M = TypeVar("M", bound=BaseModel)


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in error["loc"]) or "body", "message": error["msg"]}
        for error in exc.errors(include_url=False)
    ]


async def parse_body(request: Request, model: type[M], family: Family) -> M | Response:
    raw = await request.body()
    try:
        data: Any = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        return family.error(
            400, "Request body is not valid JSON", request_id=request_id_of(request.scope)
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        return family.error(
            family.validation_status,
            "Invalid input data",
            details=validation_details(exc),
            request_id=request_id_of(request.scope),
        )


def fail(request: Request, family: Family, status: int, message: str, **kw: Any) -> Response:
    return family.error(status, message, request_id=request_id_of(request.scope), **kw)
