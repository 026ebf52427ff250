"""Spec 004's tasks on the job engine (namespace `social`, queue `social`)."""

from __future__ import annotations

from typing import Any

import procrastinate

from gateway.social import publishing


def blueprint() -> procrastinate.Blueprint:
    tasks = procrastinate.Blueprint()

    @tasks.task(name="publish_post", queue=publishing.QUEUE, pass_context=True)
    async def publish_post(context: Any, workspace_id: str, post_id: str, scheduled_at: str) -> str:
        runtime = context.additional_context["runtime"]
        return await publishing.publish(runtime, workspace_id, post_id, scheduled_at)

    return tasks
