"""Analytics exports (`exp_...`): a job computes the dataset over the date range, writes the
file (gateway/files/, CSV, JSON or XLSX) and marks the export complete; the status route
then hands out a signed link to it that works until the file's expiry (EXPORT_TTL_SECONDS).

Datasets: channel_performance (a row per day and channel), funnel (a row per stage),
attribution (a row per model and channel), leads (new leads), content (content published
in the range with its metrics), custom_report (a saved report's rows; `reportId` names it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.files import open_writer
from gateway.jobs.runtime import Runtime
from gateway.organic.activity import record_activity
from gateway.organic.analytics import attribution as credit
from gateway.organic.analytics.channels import channel_days
from gateway.organic.analytics.funnel import funnel
from gateway.organic.analytics.reports import run_report
from gateway.organic.analytics.window import Range, zone_of
from models.base import new_id, utcnow
from models.organic import AnalyticsExport, ContentItem, ContentMetrics, CustomReport, Lead
from resolvers.errors import BadUserInput

QUEUE = "organic"
TASK = "organic:run_export"
DATASETS = ("channel_performance", "funnel", "attribution", "leads", "content", "custom_report")
MEDIA = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
# Seconds a client should expect to wait (spec 003's `estimatedTime`).
ESTIMATED_SECONDS = 30


async def request_export(
    session: AsyncSession,
    *,
    workspace_id: str,
    format: str,
    data: str,
    start: dt.date,
    end: dt.date,
    report_id: str | None,
) -> AnalyticsExport:
    if data == "custom_report" and (
        not report_id or await session.get(CustomReport, (workspace_id, report_id)) is None
    ):
        raise BadUserInput(
            "custom_report exports need the reportId of a saved report",
            details={"reportId": "not a saved report of this workspace"},
        )
    export = AnalyticsExport(
        workspace_id=workspace_id,
        id=new_id("exp"),
        format=format,
        data=data,
        start_date=start,
        end_date=end,
        report_id=report_id if data == "custom_report" else None,
        created_at=utcnow(),
    )
    session.add(export)
    await session.flush()
    await defer_export(session, export)
    return export


async def defer_export(session: AsyncSession, export: AnalyticsExport) -> None:
    await jobs.defer(
        session,
        TASK,
        queue=QUEUE,
        args={"workspace_id": export.workspace_id, "export_id": export.id},
        lock=f"export:{export.workspace_id}:{export.id}",
    )


Rows = list[dict[str, Any]]


async def _channel_performance(session: AsyncSession, ws: str, period: Range, _: Any) -> Rows:
    rows = []
    for entry in await channel_days(session, ws, period, "day"):
        for day, sums in sorted(entry.by_bucket.items()):
            rows.append(
                {
                    "date": day.isoformat(),
                    "channel": entry.channel,
                    **{m: sums.value(m) for m in ("revenue", "traffic", "conversions", "orders")},
                    "avgOrderValue": sums.value("avgOrderValue"),
                }
            )
    return sorted(rows, key=lambda r: (r["date"], r["channel"]))


async def _funnel(session: AsyncSession, ws: str, period: Range, _: Any) -> Rows:
    return [
        {"step": s.name, "count": s.count, "percentage": s.percentage, "dropoff": s.dropoff}
        for s in await funnel(session, ws, period)
    ]


async def _attribution(session: AsyncSession, ws: str, period: Range, _: Any) -> Rows:
    rows = []
    for model in credit.MODELS:
        result = await credit.attribution(session, ws, period, model)
        rows += [
            {
                "model": model,
                "channel": c.channel,
                "touchpoints": c.touchpoints,
                "attributedConversions": float(c.conversions),
                "attributedRevenue": float(c.revenue),
                "weight": float(c.weight),
            }
            for c in result.channels
        ]
    return rows


async def _leads(session: AsyncSession, ws: str, period: Range, _: Any) -> Rows:
    result = await session.execute(
        select(Lead)
        .where(
            Lead.workspace_id == ws, Lead.created_at >= period.since, Lead.created_at < period.until
        )
        .order_by(Lead.created_at, Lead.id)
    )
    return [
        {
            "id": x.id,
            "email": x.email,
            "name": x.name,
            "status": x.status,
            "source": x.source,
            "tags": ";".join(x.tags),
            "createdAt": x.created_at.isoformat(),
        }
        for x in result.scalars()
    ]


async def _content(session: AsyncSession, ws: str, period: Range, _: Any) -> Rows:
    c, m = ContentItem, ContentMetrics
    names = ("views", "likes", "shares", "saves", "clicks", "conversions", "revenue")
    sums = [func.coalesce(func.sum(getattr(m, n)), 0).label(n) for n in names]
    result = await session.execute(
        select(c.id, c.type, c.status, c.title, c.published_at, *sums)
        .outerjoin(m, (m.workspace_id == c.workspace_id) & (m.content_id == c.id))
        .where(c.workspace_id == ws, c.published_at >= period.since, c.published_at < period.until)
        .group_by(c.id, c.type, c.status, c.title, c.published_at)
        .order_by(c.published_at, c.id)
    )
    return [
        {
            "id": r.id,
            "type": r.type,
            "status": r.status,
            "title": r.title,
            "publishedAt": r.published_at.isoformat(),
            **{n: float(getattr(r, n)) if n == "revenue" else int(getattr(r, n)) for n in names},
        }
        for r in result
    ]


async def _custom_report(
    session: AsyncSession, ws: str, period: Range, export: AnalyticsExport
) -> Rows:
    report = await session.get(CustomReport, (ws, export.report_id))
    if report is None:
        raise ValueError("the report was deleted")
    config = {
        **report.config,
        "dateRange": {"start": period.start.isoformat(), "end": period.end.isoformat()},
    }
    return await run_report(session, ws, config, period.zone, utcnow())


_BUILDERS: dict[str, Callable[[AsyncSession, str, Range, Any], Awaitable[Rows]]] = {
    "channel_performance": _channel_performance,
    "funnel": _funnel,
    "attribution": _attribution,
    "leads": _leads,
    "content": _content,
    "custom_report": _custom_report,
}


def encode(rows: Rows, format: str) -> bytes:
    if format == "json":
        return orjson.dumps(rows)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    if format == "xlsx":
        import xlsxwriter

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = book.add_worksheet("export")
        sheet.write_row(0, 0, columns)
        for n, row in enumerate(rows, 1):
            sheet.write_row(n, 0, [row.get(c) for c in columns])
        book.close()
        return buffer.getvalue()
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue().encode()


async def run_export(runtime: Runtime, workspace_id: str, export_id: str) -> str:
    async with runtime.sessions.begin() as session:
        export = await session.get(AnalyticsExport, (workspace_id, export_id), with_for_update=True)
        if export is None or export.status != "processing":
            return "done before"
        zone = await zone_of(session, workspace_id)
        period = Range(export.start_date, export.end_date, zone)
        try:
            rows = await _BUILDERS[export.data](session, workspace_id, period, export)
        except (ValueError, KeyError) as exc:
            export.status, export.error = "failed", f"the export could not be made: {exc}"
            return "failed"
        expires = utcnow() + dt.timedelta(seconds=runtime.settings.export_ttl_seconds)
        writer = await open_writer(
            session,
            workspace_id=workspace_id,
            purpose="organic_export",
            filename=f"{export.id}.{export.format}",
            media_type=MEDIA[export.format],
            expires_at=expires,
            file_id=new_id("file"),
        )
        await writer.write(encode(rows, export.format))
        stored = await writer.close()
        export.status, export.file_id, export.expires_at = "complete", stored.id, expires
        record_activity(
            session,
            workspace_id=workspace_id,
            type="export_ready",
            title="Analytics export ready",
            description=f"{export.data} {export.start_date} to {export.end_date}",
            metadata={"exportId": export.id, "format": export.format, "rows": len(rows)},
        )
    return "complete"
