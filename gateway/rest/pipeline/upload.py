"""Spec 001, the marketing analytics pipeline (`/v1`): data upload."""

from __future__ import annotations

import time
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.database import transaction
from gateway.ingestion import BatchConflict, IngestionRejected, UnknownDataType, ingest
from gateway.principal import workspace_for
from gateway.rest.envelopes import Pipeline

MAX_RECORDS_PER_UPLOAD = 100_000


def _field(index: int, field: str | None) -> str:
    return f"data[{index}]" + (f".{field}" if field else "")


def _parse_upload(body: Any) -> tuple[str, list[Any], str | None] | JSONResponse:
    problems = []
    if not isinstance(body, dict):
        return Pipeline.error(
            422,
            "VALIDATION_ERROR",
            "Validation failed",
            [{"field": "body", "message": "must be a JSON object"}],
        )
    data_type, data, batch_id = body.get("data_type"), body.get("data"), body.get("batch_id")
    if not isinstance(data_type, str) or not data_type:
        problems.append({"field": "data_type", "message": "is required and must be a string"})
    if not isinstance(data, list):
        problems.append({"field": "data", "message": "is required and must be a list of records"})
    elif len(data) > MAX_RECORDS_PER_UPLOAD:
        problems.append(
            {"field": "data", "message": f"at most {MAX_RECORDS_PER_UPLOAD} records per upload"}
        )
    if batch_id is not None and (not isinstance(batch_id, str) or not 0 < len(batch_id) <= 200):
        problems.append({"field": "batch_id", "message": "must be a string of 1 to 200 characters"})
    if problems:
        return Pipeline.error(422, "VALIDATION_ERROR", "Validation failed", problems)
    return data_type, data, batch_id


async def upload(request: Request) -> JSONResponse:
    started = time.perf_counter()
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        return Pipeline.error(400, "INVALID_JSON", f"Request body is not valid JSON: {exc}")
    parsed = _parse_upload(body)
    if isinstance(parsed, JSONResponse):
        return parsed
    data_type, data, batch_id = parsed
    try:
        async with transaction(request.app.state.sessions) as session:
            result = await ingest(
                session,
                workspace_id=workspace_for(request),
                data_type=data_type,
                records=data,
                batch_id=batch_id,
            )
    except UnknownDataType as exc:
        return Pipeline.error(
            422,
            "VALIDATION_ERROR",
            str(exc),
            [{"field": "data_type", "message": f"must be one of: {', '.join(exc.known)}"}],
        )
    except IngestionRejected as exc:
        details = [{"field": _field(e.index, e.field), "message": e.message} for e in exc.errors]
        return Pipeline.error(422, "VALIDATION_ERROR", f"{exc!s}; nothing was stored", details)
    except BatchConflict as exc:
        return Pipeline.error(
            422, "BATCH_CONFLICT", str(exc), {"field": "batch_id", "issue": str(exc)}
        )
    status = "duplicate_ignored" if result.duplicate else "processed"
    message = (
        "Batch already received; nothing stored twice"
        if result.duplicate
        else "Data uploaded and processed"
    )
    return Pipeline.ok(
        {
            "batch_id": result.batch_id,
            "records_received": result.records_received,
            "data_type": result.data_type,
            "status": status,
        },
        message,
        query_time=time.perf_counter() - started,
        data_points=result.records_received,
    )


routes = [Route("/v1/data/upload", upload, methods=["POST"])]
