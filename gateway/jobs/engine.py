"""The procrastinate app, its schema, and the worker with stalled-job recovery.

Its schema is applied at startup by `apply_schema` (under the migration advisory lock, only
when its tables are missing), not by our Alembic migration: procrastinate ships and
versions its own schema, and our migration test ignores its objects.

At least once: a job whose worker died mid-run is found by the recovery loop (its
worker's heartbeat is older than `stalled_after`) and retried; tasks are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from importlib import import_module, resources

import procrastinate
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.jobs.runtime import Runtime

log = logging.getLogger(__name__)

# namespace -> module whose `blueprint()` returns that domain's tasks.
BLUEPRINTS: dict[str, str] = {
    "webhooks": "subscriptions.webhooks.jobs",
    "files": "gateway.files.jobs",
    "organic": "gateway.organic.jobs",
    "coaching": "gateway.coaching.jobs",
    "social": "gateway.social.jobs",
}


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 10
    heartbeat_seconds: float = 10.0
    stalled_after_seconds: float = 30.0
    poll_seconds: float = 1.0


def create_job_app(dsn: str) -> procrastinate.App:
    from procrastinate import PsycopgConnector

    from gateway.database import plain_url

    app = procrastinate.App(connector=PsycopgConnector(conninfo=plain_url(dsn)))
    for namespace, module in BLUEPRINTS.items():
        app.add_tasks_from(import_module(module).blueprint(), namespace=namespace)
    return app


async def apply_schema(engine: AsyncEngine) -> None:
    """Create procrastinate's tables and functions if this database has none yet."""
    async with engine.begin() as connection:
        await connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7247001)")
        present = await connection.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')")
        if present.scalar() is None:
            sql = resources.files("procrastinate.sql").joinpath("schema.sql").read_text()
            raw = (await connection.get_raw_connection()).driver_connection
            await raw.execute(sql)  # type: ignore[union-attr]


async def run_worker(
    job_app: procrastinate.App,
    runtime: Runtime,
    options: WorkerOptions,
    *,
    queues: list[str] | None = None,
    wait: bool = True,
) -> None:
    """Run a worker over `queues` (all when None) until cancelled; with `wait=False`, until
    no job is ready (tests use that to run what is due and return)."""
    async with job_app.open_async():
        recovery = asyncio.create_task(_recover_stalled(job_app, options, queues))
        try:
            await job_app.run_worker_async(
                queues=queues,
                concurrency=options.concurrency,
                wait=wait,
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


async def _recover_stalled(
    job_app: procrastinate.App, options: WorkerOptions, queues: list[str] | None
) -> None:
    """Jobs left `doing` by a worker that stopped beating (killed, crashed) run again."""
    while True:
        await asyncio.sleep(options.heartbeat_seconds)
        try:
            for queue in queues or [None]:
                stalled = await job_app.job_manager.get_stalled_jobs(
                    queue=queue, seconds_since_heartbeat=options.stalled_after_seconds
                )
                for job in stalled:
                    log.warning("retrying job %s (%s) of a stalled worker", job.id, job.task_name)
                    await job_app.job_manager.retry_job(job)
        except Exception:
            log.exception("stalled-job recovery failed; trying again later")
