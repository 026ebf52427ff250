"""Spec 002's analytics exports: a job writes one row per day of the range with the asked
metrics (users: new end users; interactions; programs: new enrolments), as CSV or JSON,
into a stored file (gateway/files/) only the member who asked may download, until it
expires (EXPORT_TTL_SECONDS)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.files import open_writer
from gateway.jobs.runtime import Runtime
from models.base import new_id, utcnow
from models.coaching import CoachingExport

QUEUE = "coaching"
TASK = "coaching:run_export"
MEDIA = {"csv": "text/csv", "json": "application/json"}
# What a client is told to expect (spec 002's `estimated_completion`).
ESTIMATED_SECONDS = 60

_DAILY_SQL = """
WITH days AS (
  SELECT d::date AS day FROM generate_series(CAST(:d0 AS date), CAST(:d1 AS date), '1 day') d
)
SELECT days.day,
  (SELECT count(*) FROM end_users u WHERE u.workspace_id = :ws
     AND u.created_at >= days.day AND u.created_at < days.day + 1) AS users,
  (SELECT count(*) FROM interactions i WHERE i.workspace_id = :ws
     AND i.created_at >= days.day AND i.created_at < days.day + 1) AS interactions,
  (SELECT count(*) FROM enrollments e WHERE e.workspace_id = :ws
     AND e.enrolled_at >= days.day AND e.enrolled_at < days.day + 1) AS programs
FROM days ORDER BY days.day
"""


async def request_export(
    session: AsyncSession,
    *,
    workspace_id: str,
    metrics: list[str],
    start: dt.date,
    end: dt.date,
    format: str,
    email: str | None,
    requested_by: str | None,
) -> CoachingExport:
    export = CoachingExport(
        workspace_id=workspace_id,
        id=uuid.uuid4(),
        metrics=list(dict.fromkeys(metrics)),
        start_date=start,
        end_date=end,
        format=format,
        email=email,
        requested_by=requested_by,
        created_at=utcnow(),
    )
    session.add(export)
    await session.flush()
    await jobs.defer(
        session,
        TASK,
        queue=QUEUE,
        args={"workspace_id": workspace_id, "export_id": str(export.id)},
        lock=f"coaching-export:{workspace_id}:{export.id}",
    )
    return export


def encode(rows: list[dict[str, Any]], format: str) -> bytes:
    if format == "json":
        return orjson.dumps(rows)
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(rows[0]) if rows else ["date"], lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def run_export(runtime: Runtime, workspace_id: str, export_id: str) -> str:
    async with runtime.sessions.begin() as session:
        key = (workspace_id, uuid.UUID(export_id))
        export = await session.get(CoachingExport, key, with_for_update=True)
        if export is None or export.status != "processing":
            return "done before"
        result = await session.execute(
            text(_DAILY_SQL), {"ws": workspace_id, "d0": export.start_date, "d1": export.end_date}
        )
        rows = [
            {"date": r.day.isoformat(), **{m: getattr(r, m) for m in export.metrics}}
            for r in result
        ]
        expires = utcnow() + dt.timedelta(seconds=runtime.settings.export_ttl_seconds)
        writer = await open_writer(
            session,
            workspace_id=workspace_id,
            purpose="coaching_export",
            filename=f"analytics-{export.start_date}-{export.end_date}.{export.format}",
            media_type=MEDIA[export.format],
            expires_at=expires,
            owner_subject=export.requested_by,
            owner_only=export.requested_by is not None,
            file_id=new_id("file"),
        )
        await writer.write(encode(rows, export.format))
        stored = await writer.close()
        export.status, export.file_id, export.expires_at = "completed", stored.id, expires
    return "completed"
