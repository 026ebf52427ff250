"""Spec 002's tasks on the job engine (namespace `coaching`, queue `coaching`)."""

from __future__ import annotations

from typing import Any

import procrastinate

from gateway.adapters.channels import ChannelError
from gateway.coaching import delivery, documents, exports, proactive, walking
from gateway.jobs.runtime import Runtime

QUEUE = "coaching"


def blueprint() -> procrastinate.Blueprint:
    tasks = procrastinate.Blueprint()

    def runtime_of(context: Any) -> Runtime:
        return context.additional_context["runtime"]

    @tasks.task(name="process_document", queue=QUEUE, pass_context=True)
    async def process_document(context: Any, workspace_id: str, document_id: str) -> str:
        return await documents.process(runtime_of(context), workspace_id, document_id)

    @tasks.task(name="run_export", queue=QUEUE, pass_context=True)
    async def run_export(context: Any, workspace_id: str, export_id: str) -> str:
        return await exports.run_export(runtime_of(context), workspace_id, export_id)

    @tasks.task(name="advance_enrollment", queue=QUEUE, pass_context=True)
    async def advance_enrollment(
        context: Any, workspace_id: str, enrollment_id: str, node_id: str
    ) -> str:
        return await walking.advance(runtime_of(context), workspace_id, enrollment_id, node_id)

    @tasks.task(
        name="deliver_message",
        queue=QUEUE,
        pass_context=True,
        # Only a temporary channel failure is retried (delivery.py settles the rest).
        retry=procrastinate.RetryStrategy(
            max_attempts=delivery.MAX_ATTEMPTS - 1,
            exponential_wait=5,
            retry_exceptions={ChannelError},
        ),
    )
    async def deliver_message(context: Any, workspace_id: str, message_id: str) -> str:
        attempt = context.job.attempts or 0
        return await delivery.deliver(runtime_of(context), workspace_id, message_id, attempt)

    @tasks.periodic(cron=proactive.CRON, periodic_id="evaluate_proactive_rules")
    @tasks.task(name="evaluate_proactive_rules", queue=QUEUE, pass_context=True)
    async def evaluate_proactive_rules(
        context: Any, timestamp: int, workspace_id: str | None = None
    ) -> str:
        # One job per tick (procrastinate's periodic defer is unique per periodic_id and
        # tick); a second run in the same windows fires nothing (proactive.py). A job
        # deferred with a workspace_id evaluates that workspace only.
        result = await proactive.evaluate(runtime_of(context), timestamp, workspace_id)
        return (
            f"{result.triggered} triggered, {result.delivered} delivered, "
            f"{result.succeeded} succeeded"
        )

    return tasks
