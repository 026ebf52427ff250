"""Scheduled delivery of saved custom reports (spec 003's report `schedule`: frequency
daily, weekly or monthly, dayOfWeek, time, recipients).

A report with recipients carries `next_delivery_at`, the next occurrence of its schedule
in the workspace's time zone (weekly on dayOfWeek, Monday when none; monthly on the 1st).
A periodic job (every minute) delivers each due report: it runs the report over the
period just ended (daily: the day before; weekly: the 7 days before; monthly: the month
before), stores the rows as a CSV file and emails each recipient, through the email
adapter, a signed link to it that works until the file expires (as exports do,
EXPORT_TTL_SECONDS). The report moves to its next occurrence in the transaction that
stores the file, so an occurrence is delivered once, whichever worker takes it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gateway.adapters import email as email_adapter
from gateway.adapters.email import Email
from gateway.files import open_writer, signed_url
from gateway.ingestion.organic_email import EMAIL
from gateway.jobs.runtime import Runtime
from gateway.organic.activity import record_activity
from gateway.organic.analytics.reports import ReportError, run_report
from gateway.organic.analytics.window import zone_of
from gateway.organic.exports import encode
from models.base import new_id, utcnow
from models.organic import CustomReport
from resolvers.errors import BadUserInput

FREQUENCIES = ("daily", "weekly", "monthly")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(EMAIL)
PLAN_BATCH = 500


def checked_schedule(schedule: Any) -> dict[str, Any] | None:
    """The schedule as stored, or a BadUserInput naming what is wrong."""
    if schedule is None:
        return None

    def refuse(field: str, message: str) -> BadUserInput:
        return BadUserInput(f"schedule.{field} {message}", details={f"schedule.{field}": message})

    if not isinstance(schedule, dict):
        raise BadUserInput("schedule must be an object", details={"schedule": "an object"})
    if schedule.get("frequency") not in FREQUENCIES:
        raise refuse("frequency", f"must be one of {', '.join(FREQUENCIES)}")
    day = schedule.get("dayOfWeek")
    if day is not None and day not in DAYS:
        raise refuse("dayOfWeek", "must be a day of the week, in lower case")
    time = schedule.get("time", "09:00")
    if not isinstance(time, str) or not _TIME.match(time):
        raise refuse("time", "must be HH:MM (24 hours)")
    recipients = schedule.get("recipients") or []
    if not isinstance(recipients, list) or not all(
        isinstance(r, str) and len(r) <= 254 and _EMAIL.match(r) for r in recipients
    ):
        raise refuse("recipients", "must be a list of email addresses")
    return {**schedule, "time": time, "recipients": recipients}


def next_delivery(schedule: dict[str, Any], zone: ZoneInfo, after: dt.datetime) -> dt.datetime:
    """The first occurrence of the schedule strictly after `after`."""
    hour, minute = (int(part) for part in schedule.get("time", "09:00").split(":"))
    day = after.astimezone(zone).date()

    def at(date: dt.date) -> dt.datetime:
        return dt.datetime.combine(date, dt.time(hour, minute), tzinfo=zone)

    frequency = schedule["frequency"]
    if frequency == "monthly":
        first = day.replace(day=1)
        if at(first) > after:
            return at(first)
        return at((first + dt.timedelta(days=32)).replace(day=1))
    if frequency == "weekly":
        weekday = DAYS.index(schedule.get("dayOfWeek") or "monday")
        day += dt.timedelta(days=(weekday - day.weekday()) % 7)
        return at(day) if at(day) > after else at(day + dt.timedelta(days=7))
    return at(day) if at(day) > after else at(day + dt.timedelta(days=1))


def delivered_period(frequency: str, zone: ZoneInfo, at: dt.datetime) -> tuple[dt.date, dt.date]:
    """The period a delivery at `at` covers: the one just ended."""
    today = at.astimezone(zone).date()
    yesterday = today - dt.timedelta(days=1)
    if frequency == "monthly":
        return yesterday.replace(day=1), yesterday
    if frequency == "weekly":
        return today - dt.timedelta(days=7), yesterday
    return yesterday, yesterday


def planned(schedule: dict[str, Any] | None, zone: ZoneInfo, now: dt.datetime) -> Any:
    """`next_delivery_at` for a report with this schedule: None without recipients."""
    if not schedule or not schedule.get("recipients"):
        return None
    return next_delivery(schedule, zone, now)


async def deliver_due(runtime: Runtime) -> int:
    """Plan the reports that have a schedule but no next delivery (ingested ones), then
    deliver every due report, one at a time. Returns how many were delivered."""
    await _plan_unplanned(runtime)
    sender = email_adapter.from_settings(runtime.settings, runtime.sessions)
    delivered = 0
    while letter := await _prepare_one(runtime):
        for email in letter:
            await sender.send(email)
        delivered += 1
    return delivered


async def _plan_unplanned(runtime: Runtime) -> None:
    now = utcnow()
    async with runtime.sessions.begin() as session:
        reports = (
            await session.scalars(
                select(CustomReport)
                .where(
                    CustomReport.next_delivery_at.is_(None),
                    CustomReport.schedule["recipients"].astext.not_in(("[]", "null")),
                )
                .limit(PLAN_BATCH)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for report in reports:
            try:
                schedule = checked_schedule(report.schedule)
            except BadUserInput:
                continue  # an ingested schedule the gateway cannot follow: not delivered
            report.next_delivery_at = planned(
                schedule, await zone_of(session, report.workspace_id), now
            )


async def _prepare_one(runtime: Runtime) -> list[Email] | None:
    """Take one due report, store its rows as a file, move it to its next occurrence, and
    return the emails to send (an empty list when it had no recipients left)."""
    now = utcnow()
    async with runtime.sessions.begin() as session:
        report = await session.scalar(
            select(CustomReport)
            .where(CustomReport.next_delivery_at <= now)
            .order_by(CustomReport.next_delivery_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if report is None:
            return None
        ws, schedule = report.workspace_id, dict(report.schedule or {})
        zone = await zone_of(session, ws)
        report.next_delivery_at = planned(schedule, zone, now)
        if not schedule.get("recipients"):
            return []
        start, end = delivered_period(schedule["frequency"], zone, now)
        config = {**report.config, "dateRange": {"start": str(start), "end": str(end)}}
        try:
            rows = await run_report(session, ws, config, zone, now)
        except ReportError as exc:
            record_activity(
                session,
                workspace_id=ws,
                type="report_failed",
                title="Scheduled report not delivered",
                description=f"{report.name}: {exc}",
                metadata={"reportId": report.id},
            )
            return []
        expires = now + dt.timedelta(seconds=runtime.settings.export_ttl_seconds)
        writer = await open_writer(
            session,
            workspace_id=ws,
            purpose="organic_report",
            filename=f"{report.id}-{start}-{end}.csv",
            media_type="text/csv",
            expires_at=expires,
            file_id=new_id("file"),
        )
        await writer.write(encode(rows, "csv"))
        stored = await writer.close()
        settings = runtime.settings
        link = signed_url(settings, stored, f"http://{settings.host}:{settings.port}")
        record_activity(
            session,
            workspace_id=ws,
            type="report_delivered",
            title="Scheduled report delivered",
            description=report.name,
            metadata={"reportId": report.id, "rows": len(rows), "fileId": stored.id},
        )
        period = f"{start}" if start == end else f"{start} to {end}"
        return [
            Email(
                workspace_id=ws,
                to=recipient,
                subject=f"{report.name}: {period}",
                text=(
                    f"{report.name}, {period}: {len(rows)} rows.\n\n"
                    f"Download (CSV, until {expires:%Y-%m-%d %H:%M} UTC): {link}\n"
                ),
                headers={"X-Report-Id": report.id},
            )
            for recipient in schedule["recipients"]
        ]
