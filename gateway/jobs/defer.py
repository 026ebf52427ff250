"""Deferring a job inside the caller's transaction: the job exists exactly when the write
that wants it commits (procrastinate's own `procrastinate_defer_jobs_v1`, which the
worker's LISTEN hears at commit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, "
    "NULL, CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1]))"
)


async def defer(
    session: AsyncSession,
    task: str,
    *,
    queue: str,
    args: dict[str, Any],
    schedule_at: datetime | None = None,
    lock: str | None = None,
    priority: int = 0,
) -> int:
    """Defer `task` (its full name, `<namespace>:<name>`) on `queue` with JSON `args`;
    `lock` serialises jobs that share it (procrastinate runs one of them at a time).
    Returns the job id."""
    job_id = await session.scalar(
        _DEFER,
        {
            "queue": queue,
            "task": task,
            "priority": priority,
            "lock": lock,
            "args": orjson.dumps(args).decode(),
            "scheduled_at": schedule_at,
        },
    )
    assert job_id is not None
    return int(job_id)
