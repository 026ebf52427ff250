"""Running the job engine in a test: a real worker over the test database that runs every
job that is due and returns when none is left (no sleeping, no mock)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.settings import Settings

FAST = jobs.WorkerOptions(concurrency=4, heartbeat_seconds=1.0, poll_seconds=0.1)


async def run_due_jobs(
    engine: AsyncEngine, settings: Settings, *, queues: list[str] | None = None
) -> None:
    """Run every job that is due now (and those the run defers that are due), then return."""
    dsn = settings.database_url or ""
    runtime = jobs.Runtime(engine, settings)
    await jobs.run_worker(jobs.create_job_app(dsn), runtime, FAST, queues=queues, wait=False)
