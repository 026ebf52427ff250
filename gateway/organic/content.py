"""Content items: create, change, delete, and scheduling them for publication.

Content with a `scheduledAt` is `scheduled`, and a publication job is deferred for that
time in the same transaction (publishing.py runs it); without one it is a `draft`.
Rescheduling defers a new job: the old one finds the time changed and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from models.base import new_id, utcnow
from models.organic import ContentItem
from models.tenancy import DashboardAccount, WorkspaceMember
from resolvers.errors import BadUserInput, NotFound
from subscriptions.events import iso

QUEUE = "organic"
PUBLISH_TASK = "organic:publish_content"
UNSET: Any = object()


@dataclass(frozen=True)
class ContentChanges:
    title: str | None = None
    body: str | None = None
    media_urls: list[str] | None = None
    metadata: dict[str, Any] | None = None
    scheduled_at: datetime | None = UNSET  # None unschedules (back to draft)


def stamp(moment: datetime) -> str:
    """The scheduled time as a publication job carries it (to notice a reschedule)."""
    return moment.astimezone(UTC).isoformat()


async def schedule_publication(session: AsyncSession, item: ContentItem) -> None:
    assert item.scheduled_at is not None
    await jobs.defer(
        session,
        PUBLISH_TASK,
        queue=QUEUE,
        args={
            "workspace_id": item.workspace_id,
            "content_id": item.id,
            "scheduled_at": stamp(item.scheduled_at),
        },
        schedule_at=item.scheduled_at,
        lock=f"publish:{item.workspace_id}:{item.id}",
    )


async def create_content(
    session: AsyncSession,
    *,
    workspace_id: str,
    type: str,
    title: str,
    body: str,
    media_urls: list[str],
    metadata: dict[str, Any],
    scheduled_at: datetime | None,
    created_by: str | None,
) -> ContentItem:
    now = utcnow()
    item = ContentItem(
        workspace_id=workspace_id,
        id=new_id("cnt"),
        type=type,
        status="scheduled" if scheduled_at else "draft",
        title=title,
        body=body,
        media_urls=media_urls,
        meta=metadata,
        scheduled_at=scheduled_at,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    if scheduled_at:
        await schedule_publication(session, item)
    return item


async def locked_item(session: AsyncSession, workspace_id: str, content_id: str) -> ContentItem:
    item = await session.scalar(
        select(ContentItem)
        .where(ContentItem.workspace_id == workspace_id, ContentItem.id == content_id)
        .with_for_update()
    )
    if item is None:
        raise NotFound("Content not found")
    return item


async def update_content(
    session: AsyncSession, *, workspace_id: str, content_id: str, changes: ContentChanges
) -> ContentItem:
    item = await locked_item(session, workspace_id, content_id)
    for name in ("title", "body", "media_urls"):
        if (value := getattr(changes, name)) is not None:
            setattr(item, name, value)
    if changes.metadata is not None:
        item.meta = changes.metadata
    if changes.scheduled_at is not UNSET:
        if item.status == "published":
            raise BadUserInput(
                "Published content cannot be rescheduled",
                details={"scheduledAt": "the content is already published"},
            )
        item.scheduled_at = changes.scheduled_at
        item.status = "scheduled" if changes.scheduled_at else "draft"
        item.publish_attempts, item.publish_error = 0, None
        if changes.scheduled_at:
            await schedule_publication(session, item)
    item.updated_at = utcnow()
    return item


async def delete_content(session: AsyncSession, *, workspace_id: str, content_id: str) -> None:
    item = await locked_item(session, workspace_id, content_id)
    await session.delete(item)


async def content_payload(session: AsyncSession, item: ContentItem) -> dict[str, Any]:
    """Spec 003's content object, as content.published carries it (docs/events.md)."""
    author = None
    if item.created_by:
        row = (
            await session.execute(
                select(DashboardAccount.id, DashboardAccount.name, DashboardAccount.avatar_url)
                .join(WorkspaceMember, WorkspaceMember.account_id == DashboardAccount.id)
                .where(
                    DashboardAccount.id == item.created_by,
                    WorkspaceMember.workspace_id == item.workspace_id,
                )
            )
        ).one_or_none()
        if row is not None:
            author = {"id": row.id, "name": row.name, "avatarUrl": row.avatar_url}
    return {
        "id": item.id,
        "type": item.type,
        "status": item.status,
        "title": item.title,
        "body": item.body,
        "mediaUrls": list(item.media_urls),
        "metadata": item.meta,
        "scheduledAt": iso(item.scheduled_at) if item.scheduled_at else None,
        "publishedAt": iso(item.published_at) if item.published_at else None,
        "createdBy": author,
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }
