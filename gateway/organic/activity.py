"""The activity feed: each write worth showing adds one entry in its own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.base import new_id, utcnow
from models.organic import Activity


def record_activity(
    session: AsyncSession,
    *,
    workspace_id: str,
    type: str,
    title: str,
    description: str | None = None,
    actor_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Activity:
    entry = Activity(
        workspace_id=workspace_id,
        id=new_id("act"),
        type=type,
        title=title,
        description=description,
        actor_id=actor_id,
        meta=metadata or {},
        occurred_at=utcnow(),
    )
    session.add(entry)
    return entry
