"""The job engine: procrastinate on the gateway's own PostgreSQL.

Its schema is applied at startup by `apply_schema` (under the migration advisory lock, only
when its tables are missing), not by our Alembic migration: procrastinate ships and
versions its own schema, and our migration test ignores its objects.

A delivery job runs `delivery.attempt`; a failed attempt is retried on the backoff
schedule (DeliveryFailed.retry_in). At least once: a job whose worker died mid-delivery is
found by the worker's recovery loop (its worker's heartbeat is older than
`stalled_after`) and retried, so the receiver gets the event again with the same
`webhook-id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Any

import procrastinate
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy.ext.asyncio import AsyncEngine

from subscriptions.webhooks import delivery

log = logging.getLogger(__name__)

QUEUE = "webhooks"
TASK_NAME = "deliver_webhook"


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 10
    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 30.0
    poll_seconds: float = 1.0


class _Backoff(BaseRetryStrategy):
    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, delivery.DeliveryFailed) and exception.retry_in is not None:
            return RetryDecision(retry_in={"seconds": exception.retry_in})
        return None


def create_job_app(dsn: str) -> procrastinate.App:
    from procrastinate import PsycopgConnector

    from gateway.database import plain_url

    app = procrastinate.App(connector=PsycopgConnector(conninfo=plain_url(dsn)))

    @app.task(name=TASK_NAME, queue=QUEUE, retry=_Backoff(), pass_context=True)
    async def deliver_webhook(context: Any, workspace_id: str, delivery_id: str) -> str:
        runtime: Runtime = context.additional_context["runtime"]
        return await delivery.attempt(runtime.engine, runtime.policy, workspace_id, delivery_id)

    return app


@dataclass
class Runtime:
    engine: AsyncEngine
    policy: delivery.Policy


async def apply_schema(engine: AsyncEngine) -> None:
    """Create procrastinate's tables and functions if this database has none yet."""
    async with engine.begin() as connection:
        await connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7247001)")
        present = await connection.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')")
        if present.scalar() is None:
            sql = resources.files("procrastinate.sql").joinpath("schema.sql").read_text()
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.execute(sql)  # type: ignore[union-attr]


async def run_worker(job_app: procrastinate.App, runtime: Runtime, options: WorkerOptions) -> None:
    """Run the worker and its stalled-job recovery until cancelled."""
    async with job_app.open_async():
        recovery = asyncio.create_task(_recover_stalled(job_app, options))
        try:
            await job_app.run_worker_async(
                queues=[QUEUE],
                concurrency=options.concurrency,
                install_signal_handlers=False,
                additional_context={"runtime": runtime},
                update_heartbeat_interval=options.heartbeat_seconds,
                stalled_worker_timeout=options.stalled_after_seconds,
                fetch_job_polling_interval=options.poll_seconds,
                shutdown_graceful_timeout=5,
            )
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery


async def _recover_stalled(job_app: procrastinate.App, options: WorkerOptions) -> None:
    """Jobs left `doing` by a worker that stopped beating (killed, crashed) run again."""
    while True:
        await asyncio.sleep(options.heartbeat_seconds)
        try:
            stalled = await job_app.job_manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=options.stalled_after_seconds
            )
            for job in stalled:
                log.warning("retrying webhook job %s of a stalled worker", job.id)
                await job_app.job_manager.retry_job(job)
        except Exception:
            log.exception("stalled-job recovery failed; trying again later")
