"""Running the job engine in a test: a real worker over the test database that runs every
job that is due and returns when none is left (no sleeping, no mock)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.settings import Settings

FAST = jobs.WorkerOptions(concurrency=4, heartbeat_seconds=1.0, poll_seconds=0.1)

_DUE = text(
    "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' "
    "AND (scheduled_at IS NULL OR scheduled_at <= now()) "
    "AND (CAST(:queues AS text[]) IS NULL OR queue_name = ANY(CAST(:queues AS text[])))"
)


async def run_due_jobs(
    engine: AsyncEngine, settings: Settings, *, queues: list[str] | None = None
) -> None:
    """Run every job that is due now (and those the run defers that are due), then return.
    A worker that finds its queue empty stops even while a job it ran defers another, so
    the run repeats while due jobs are left (a few rounds at most)."""
    dsn = settings.database_url or ""
    runtime = jobs.Runtime(engine, settings)
    for _ in range(10):
        await jobs.run_worker(jobs.create_job_app(dsn), runtime, FAST, queues=queues, wait=False)
        async with engine.connect() as connection:
            if not await connection.scalar(_DUE, {"queues": queues}):
                return
