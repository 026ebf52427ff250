"""Creating, changing and deleting social posts, with a post_status event whenever a post
appears or its status changes (the /v1/ws, GraphQL subscriptions and webhooks see it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.social import publishing
from models import social as m
from models.base import new_id
from resolvers.errors import BadUserInput, NotFound
from subscriptions.events import iso, record_event

# What a person may set; `published` and `failed` are reached by publishing only.
WRITABLE_STATUSES = ("draft", "scheduled")
UNSET: Any = object()


@dataclass
class PostChanges:
    title: Any = UNSET
    content: Any = UNSET
    platform: Any = UNSET
    post_type: Any = UNSET
    status: Any = UNSET
    scheduled_at: Any = UNSET
    media: Any = UNSET
    hashtags: Any = UNSET
    ai_generated: Any = UNSET
    ai_confidence: Any = UNSET


def _check(post: m.Post) -> None:
    if post.status not in WRITABLE_STATUSES:
        raise BadUserInput(f"status must be one of {', '.join(WRITABLE_STATUSES)}", field="status")
    if post.status == "scheduled" and post.scheduled_at is None:
        raise BadUserInput("A scheduled post needs scheduledAt", field="scheduledAt")


async def post_status_event(session: AsyncSession, post: m.Post) -> None:
    await record_event(
        session,
        workspace_id=post.workspace_id,
        type="post_status",
        subject=post.id,
        payload={
            "postId": post.id,
            "status": post.status,
            "publishedAt": iso(post.published_at) if post.published_at else None,
            "platform": post.platform,
        },
    )


async def create_post(
    session: AsyncSession, *, workspace_id: str, created_by: str | None, changes: PostChanges
) -> m.Post:
    now = datetime.now(UTC)
    values = {k: v for k, v in vars(changes).items() if v is not UNSET}
    post = m.Post(
        workspace_id=workspace_id,
        id=new_id("post"),
        created_by=created_by,
        created_at=now,
        updated_at=now,
        **values,
    )
    _check(post)
    session.add(post)
    await session.flush()
    await post_status_event(session, post)
    if post.status == "scheduled":
        await publishing.schedule(session, post)
    return post


async def update_post(
    session: AsyncSession, *, workspace_id: str, post_id: str, changes: PostChanges
) -> m.Post:
    post = await session.get(m.Post, (workspace_id, post_id), with_for_update=True)
    if post is None:
        raise NotFound("Post not found")
    if post.status == "published":
        raise BadUserInput("A published post cannot be changed", field="status")
    before, before_at = post.status, post.scheduled_at
    for name, value in vars(changes).items():
        if value is not UNSET:
            setattr(post, name, value)
    _check(post)
    post.updated_at = datetime.now(UTC)
    await session.flush()
    if post.status != before:
        await post_status_event(session, post)
    if post.status == "scheduled" and (before != "scheduled" or post.scheduled_at != before_at):
        post.publish_attempts, post.publish_error = 0, None
        await publishing.schedule(session, post)  # an older job finds the time changed
    return post


async def delete_post(session: AsyncSession, *, workspace_id: str, post_id: str) -> None:
    post = await session.get(m.Post, (workspace_id, post_id))
    if post is None:
        raise NotFound("Post not found")
    await session.delete(post)
