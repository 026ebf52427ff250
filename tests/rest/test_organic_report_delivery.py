"""Scheduled report delivery: a saved report with a schedule and recipients is run by the
periodic job at its time, over the period just ended, and each recipient gets (through
the email adapter's sandbox) a signed, expiring link to the CSV. Time passes by moving
the report's next delivery back, never by sleeping."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from gateway import jobs
from gateway.adapters import sandbox
from gateway.organic.report_delivery import delivered_period, next_delivery
from tests.utils.jobs import run_due_jobs

UTC = dt.UTC
PARIS = ZoneInfo("Europe/Paris")


def test_the_next_occurrence_of_each_frequency():
    wednesday = dt.datetime(2024, 3, 6, 10, 0, tzinfo=UTC)  # 11:00 in Paris
    assert next_delivery({"frequency": "daily", "time": "09:00"}, PARIS, wednesday) == (
        dt.datetime(2024, 3, 7, 9, 0, tzinfo=PARIS)
    )
    assert next_delivery({"frequency": "daily", "time": "12:30"}, PARIS, wednesday) == (
        dt.datetime(2024, 3, 6, 12, 30, tzinfo=PARIS)
    )
    weekly = {"frequency": "weekly", "dayOfWeek": "monday", "time": "09:00"}
    assert next_delivery(weekly, PARIS, wednesday) == dt.datetime(2024, 3, 11, 9, tzinfo=PARIS)
    on_the_day = dt.datetime(2024, 3, 11, 7, 59, tzinfo=UTC)  # 08:59 in Paris
    assert next_delivery(weekly, PARIS, on_the_day) == dt.datetime(2024, 3, 11, 9, tzinfo=PARIS)
    monthly = {"frequency": "monthly", "time": "09:00"}
    assert next_delivery(monthly, PARIS, wednesday) == dt.datetime(2024, 4, 1, 9, tzinfo=PARIS)
    december = dt.datetime(2024, 12, 31, 12, tzinfo=UTC)
    assert next_delivery(monthly, UTC, december) == dt.datetime(2025, 1, 1, 9, tzinfo=UTC)
    assert delivered_period("monthly", UTC, dt.datetime(2024, 4, 1, 9, tzinfo=UTC)) == (
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 31),
    )
    assert delivered_period("weekly", UTC, dt.datetime(2024, 3, 11, 9, tzinfo=UTC)) == (
        dt.date(2024, 3, 4),
        dt.date(2024, 3, 10),
    )


async def _next_delivery(sessions: Any, report_id: str) -> dt.datetime | None:
    async with sessions() as session:
        return await session.scalar(
            text("SELECT next_delivery_at FROM custom_reports WHERE id = :id"), {"id": report_id}
        )


async def _deliver(engine: Any, settings: Any, sessions: Any) -> None:
    """What the periodic job does each minute, run by a real worker."""
    async with sessions.begin() as session:
        await jobs.defer(session, "organic:deliver_reports", queue="organic", args={"timestamp": 0})
    await run_due_jobs(engine, settings)


async def test_a_scheduled_report_is_emailed_as_a_signed_csv_link(
    api, workspace, engine, settings, sessions, upload, anonymous_client
):
    yesterday = (dt.datetime.now(UTC) - dt.timedelta(days=1)).date().isoformat()
    before = (dt.datetime.now(UTC) - dt.timedelta(days=2)).date().isoformat()
    await upload(
        "channel_metrics",
        [
            {"channel": "tiktok", "date": yesterday, "revenue": "450.00", "traffic": 1520},
            {"channel": "email", "date": yesterday, "revenue": "120.50", "traffic": 300},
            {"channel": "tiktok", "date": before, "revenue": "999.00", "traffic": 9},
        ],
    )
    created = await api.post(
        "/api/analytics/reports",
        json={
            "workspaceId": workspace,
            "name": "Daily Channels",
            "config": {"metrics": ["revenue", "traffic"], "dimensions": ["channel"]},
            "schedule": {
                "frequency": "daily",
                "time": "09:00",
                "recipients": ["team@example.test", "owner@example.test"],
            },
        },
    )
    assert created.status_code == 200, created.text
    report_id = created.json()["data"]["report"]["id"]
    planned = await _next_delivery(sessions, report_id)
    now = dt.datetime.now(UTC)
    assert planned is not None and now < planned <= now + dt.timedelta(days=1)
    assert (planned.hour, planned.minute) == (9, 0)

    await _deliver(engine, settings, sessions)  # not yet 09:00
    assert await sandbox.calls(sessions, workspace, "email") == []

    async with sessions.begin() as session:  # a day passes
        await session.execute(
            text(
                "UPDATE custom_reports SET next_delivery_at = next_delivery_at - interval '1 day'"
                " WHERE id = :id"
            ),
            {"id": report_id},
        )
    await _deliver(engine, settings, sessions)
    mails = await sandbox.calls(sessions, workspace, "email")
    assert sorted(m.payload["to"] for m in mails) == ["owner@example.test", "team@example.test"]
    assert mails[0].payload["subject"] == f"Daily Channels: {yesterday}"
    link = re.search(r"http://\S+", mails[0].payload["text"]).group(0)  # type: ignore[union-attr]
    path = link.split("8000", 1)[1]
    download = await anonymous_client.get(path)
    assert download.status_code == 200, download.text
    lines = download.text.strip().splitlines()
    assert lines[0] == "channel,revenue,traffic"
    assert sorted(lines[1:]) == ["email,120.5,300", "tiktok,450.0,1520"]
    assert (await anonymous_client.get(path[:-3] + "abc")).status_code in (403, 404)
    assert await _next_delivery(sessions, report_id) == planned  # on to the next 09:00

    await _deliver(engine, settings, sessions)  # delivered once per occurrence
    assert len(await sandbox.calls(sessions, workspace, "email")) == 2


async def test_an_ingested_schedule_is_planned_by_the_job(
    workspace, engine, settings, sessions, upload
):
    await upload(
        "custom_reports",
        [
            {
                "id": "rpt_ingested",
                "name": "From the old system",
                "config": {"metrics": ["revenue"], "dimensions": ["channel"]},
                "schedule": {
                    "frequency": "daily",
                    "time": "07:15",
                    "recipients": ["a@example.test"],
                },
                "created_at": "2024-03-01T10:00:00Z",
            }
        ],
    )
    assert await _next_delivery(sessions, "rpt_ingested") is None
    await _deliver(engine, settings, sessions)
    planned = await _next_delivery(sessions, "rpt_ingested")
    now = dt.datetime.now(UTC)
    assert planned is not None and now < planned <= now + dt.timedelta(days=1)
    assert (planned.hour, planned.minute) == (7, 15)
    assert await sandbox.calls(sessions, workspace, "email") == []


async def test_schedules_are_checked_and_reports_without_recipients_are_not_delivered(
    api, workspace, sessions
):
    graph = await api.post(
        "/graphql",
        json={
            "query": "mutation($input: CustomReportInput!) { createCustomReport(input: $input) "
            "{ id nextDeliveryAt } }",
            "variables": {
                "input": {
                    "name": "Odd",
                    "config": {"metrics": ["revenue"]},
                    "schedule": {"frequency": "hourly"},
                }
            },
        },
    )
    (error,) = graph.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "schedule.frequency" in error["message"]
    quiet = await api.post(
        "/graphql",
        json={
            "query": "mutation($input: CustomReportInput!) { createCustomReport(input: $input) "
            "{ id nextDeliveryAt } }",
            "variables": {
                "input": {
                    "name": "Nobody",
                    "config": {"metrics": ["revenue"]},
                    "schedule": {"frequency": "weekly", "dayOfWeek": "friday"},
                }
            },
        },
    )
    assert quiet.json()["data"]["createCustomReport"]["nextDeliveryAt"] is None
    bad = await api.post(
        "/api/analytics/reports",
        json={
            "workspaceId": workspace,
            "name": "Bad",
            "schedule": {"frequency": "daily", "recipients": ["not-an-address"]},
        },
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
