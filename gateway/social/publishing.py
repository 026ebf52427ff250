"""Publishing scheduled posts at their time (the job engine's `social:publish_post`).

Scheduling a post defers a job for its scheduledAt in the same transaction; rescheduling
defers a new one and the old one finds the time changed and does nothing. One attempt per
job: the attempt is counted (and committed) before the platform is called, with an
idempotency key of the post and its time. A temporary failure retries later
(PUBLISH_RETRY_BASE_SECONDS, doubled each time) until PUBLISH_MAX_ATTEMPTS; then, or at once
for a permanent failure, the post is `failed` with a post_status event and a notification.
Success makes it `published` with a post_status event.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.adapters import social_publishing as adapters
from gateway.adapters.platform_api import Account
from gateway.jobs.runtime import Runtime
from gateway.secrets import SecretBox
from models import social as m
from models.base import new_id
from subscriptions.events import iso, record_event

QUEUE = "social"
PUBLISH_TASK = "social:publish_post"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


async def schedule(session: AsyncSession, post: m.Post, at: datetime | None = None) -> None:
    assert post.scheduled_at is not None
    await jobs.defer(
        session,
        PUBLISH_TASK,
        queue=QUEUE,
        args={
            "workspace_id": post.workspace_id,
            "post_id": post.id,
            "scheduled_at": stamp(post.scheduled_at),
        },
        # No procrastinate lock: a lock would hold a rescheduled (earlier) job behind the
        # older one; the post row's FOR UPDATE and the time check make a stale job a no-op.
        schedule_at=at or post.scheduled_at,
    )


async def _due(session: AsyncSession, workspace_id: str, post_id: str, at: str) -> m.Post | None:
    post = await session.get(m.Post, (workspace_id, post_id), with_for_update=True)
    if post is None or post.status != "scheduled" or post.scheduled_at is None:
        return None
    return post if stamp(post.scheduled_at) == at else None


async def _account(session: AsyncSession, runtime: Runtime, post: m.Post) -> Account | None:
    """The workspace's connected account on the post's platform: its opened access token
    and the platform's id of it (the page, profile or member the post goes to)."""
    a = m.SocialAccount
    row = (
        await session.execute(
            select(a.access_token_sealed, a.external_id)
            .where(
                a.workspace_id == post.workspace_id,
                a.platform == post.platform,
                a.is_connected,
                a.access_token_sealed.is_not(None),
            )
            .order_by(a.connected_at.desc(), a.id)  # the latest connection, if several
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return Account(SecretBox.from_settings(runtime.settings).open(row[0]), row[1])


async def publish(runtime: Runtime, workspace_id: str, post_id: str, scheduled_at: str) -> str:
    settings = runtime.settings
    async with runtime.sessions.begin() as session:
        post = await _due(session, workspace_id, post_id, scheduled_at)
        if post is None:
            return "not due"  # rescheduled, unscheduled, deleted or already done
        post.publish_attempts += 1
        attempt = post.publish_attempts
        publication = adapters.PostPublication(
            workspace_id=workspace_id,
            post_id=post.id,
            platform=post.platform,
            title=post.title,
            content=post.content,
            media_urls=tuple(item.get("url", "") for item in post.media),
            media_types=tuple(
                "video" if item.get("type") == "video" else "image" for item in post.media
            ),
            post_type=post.post_type,
            hashtags=tuple(post.hashtags),
            idempotency_key=f"{post.id}:{scheduled_at}",
        )
        account = await _account(session, runtime, post)
    publisher = adapters.from_settings(settings, runtime.sessions)
    outcome: adapters.PublishedPost | adapters.PublishError
    try:
        outcome = await publisher.publish(publication, account)
    except adapters.PublishError as exc:
        outcome = exc
    async with runtime.sessions.begin() as session:
        post = await _due(session, workspace_id, post_id, scheduled_at)
        if post is None:
            return "not due"
        now = datetime.now(UTC)
        post.updated_at = now
        if isinstance(outcome, adapters.PublishedPost):
            post.status, post.published_at = "published", now
            post.external_id, post.publish_error = outcome.external_id, None
            await session.flush()
            await _post_status(session, post)
            return "published"
        post.publish_error = str(outcome)
        if outcome.temporary and attempt < settings.publish_max_attempts:
            delay = settings.publish_retry_base_seconds * 2 ** (attempt - 1)
            await schedule(session, post, at=now + timedelta(seconds=delay))
            return "retrying"
        post.status = "failed"
        await session.flush()
        await _post_status(session, post)
        await record_event(
            session,
            workspace_id=workspace_id,
            type="notification",
            subject=f"{post.id}:failed:{scheduled_at}",
            payload={
                "id": new_id("notif"),
                "title": "Post Publishing Failed",
                "message": f"Your {post.platform} post could not be published: {outcome}",
                "type": "error",
                "actionUrl": f"/posts/{post.id}",
                "timestamp": iso(now.replace(microsecond=0)),
            },
        )
        return "failed"


async def _post_status(session: AsyncSession, post: m.Post) -> None:
    from gateway.social.posts import post_status_event

    await post_status_event(session, post)
