"""Spec 003's tasks on the job engine (namespace `organic`, queue `organic`): generation,
publication, campaign and sequence sending, exports, syncs and scheduled report delivery,
each idempotent (its domain row says what is done), and a sweep for the work no job was
deferred for (content and exports that arrived through ingestion or the demo, overdue
sequence steps)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import procrastinate
from sqlalchemy import select

from gateway.jobs.runtime import Runtime
from gateway.organic import (
    exports,
    generation,
    publishing,
    report_delivery,
    sending,
    sequences,
    syncs,
)
from gateway.organic.content import schedule_publication
from models.base import utcnow
from models.organic import AnalyticsExport, ContentItem

QUEUE = "organic"
SWEEP_BATCH = 500


def blueprint() -> procrastinate.Blueprint:
    tasks = procrastinate.Blueprint()

    def runtime_of(context: Any) -> Runtime:
        return context.additional_context["runtime"]

    @tasks.task(name="generate_content", queue=QUEUE, pass_context=True)
    async def generate_content(context: Any, workspace_id: str, job_id: str) -> str:
        return await generation.run(runtime_of(context), workspace_id, job_id)

    @tasks.task(name="publish_content", queue=QUEUE, pass_context=True)
    async def publish_content(
        context: Any, workspace_id: str, content_id: str, scheduled_at: str
    ) -> str:
        return await publishing.publish(runtime_of(context), workspace_id, content_id, scheduled_at)

    @tasks.task(name="send_campaign", queue=QUEUE, pass_context=True)
    async def send_campaign(context: Any, workspace_id: str, campaign_id: str) -> str:
        return await sending.send_campaign(runtime_of(context), workspace_id, campaign_id)

    @tasks.task(name="run_sequence", queue=QUEUE, pass_context=True)
    async def run_sequence(context: Any, workspace_id: str, sequence_id: str) -> str:
        return await sequences.run_sequence(runtime_of(context), workspace_id, sequence_id)

    @tasks.task(name="run_export", queue=QUEUE, pass_context=True)
    async def run_export(context: Any, workspace_id: str, export_id: str) -> str:
        return await exports.run_export(runtime_of(context), workspace_id, export_id)

    @tasks.task(name="sync_integration", queue=QUEUE, pass_context=True)
    async def sync_integration(context: Any, workspace_id: str, sync_id: str) -> str:
        return await syncs.run_sync(runtime_of(context), workspace_id, sync_id)

    @tasks.periodic(cron="* * * * *", periodic_id="organic_reports")
    @tasks.task(name="deliver_reports", queue=QUEUE, pass_context=True)
    async def deliver_reports(context: Any, timestamp: int) -> int:
        return await report_delivery.deliver_due(runtime_of(context))

    @tasks.periodic(cron="* * * * *", periodic_id="organic_sweep")
    @tasks.task(name="sweep", queue=QUEUE, pass_context=True)
    async def sweep(context: Any, timestamp: int) -> int:
        return await sweep_unscheduled(runtime_of(context))

    return tasks


async def sweep_unscheduled(runtime: Runtime) -> int:
    """Defer jobs for due content never attempted and exports never made, a minute late
    (their own jobs, when they have one, run first; a second job finds the work done)."""
    late = utcnow() - timedelta(minutes=1)
    async with runtime.sessions.begin() as session:
        content = (
            await session.scalars(
                select(ContentItem)
                .where(
                    ContentItem.status == "scheduled",
                    ContentItem.publish_attempts == 0,
                    ContentItem.scheduled_at <= late,
                )
                .limit(SWEEP_BATCH)
            )
        ).all()
        for item in content:
            await schedule_publication(session, item)
        pending = (
            await session.scalars(
                select(AnalyticsExport)
                .where(AnalyticsExport.status == "processing", AnalyticsExport.created_at <= late)
                .limit(SWEEP_BATCH)
            )
        ).all()
        for export in pending:
            await exports.defer_export(session, export)
        await session.execute(sequences.SWEEP)
    return len(content) + len(pending)
