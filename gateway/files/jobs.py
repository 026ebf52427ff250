"""Removing stored files after their expiry: a periodic job on the job engine."""

from __future__ import annotations

from typing import Any

import procrastinate
from sqlalchemy import delete, func

from gateway.jobs.runtime import Runtime
from models.files import StoredFile

QUEUE = "maintenance"


def blueprint() -> procrastinate.Blueprint:
    tasks = procrastinate.Blueprint()

    @tasks.periodic(cron="*/15 * * * *", periodic_id="remove_expired_files")
    @tasks.task(name="remove_expired", queue=QUEUE, pass_context=True)
    async def remove_expired(context: Any, timestamp: int) -> int:
        runtime: Runtime = context.additional_context["runtime"]
        return await remove_expired_files(runtime)

    return tasks


async def remove_expired_files(runtime: Runtime) -> int:
    """Delete every file past its expiry (its chunks go with it); returns how many."""
    async with runtime.sessions.begin() as session:
        result = await session.execute(
            delete(StoredFile).where(StoredFile.expires_at <= func.now())
        )
    return result.rowcount or 0
