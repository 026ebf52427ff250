"""Publishing scheduled content at its time, through the integration of its platform.

One attempt per job: the attempt is counted (and committed) before the provider is called,
with an idempotency key of the item and its scheduled time, so a worker that dies mid-call
retries the same publication rather than a second one. A temporary failure defers the next
attempt (PUBLISH_RETRY_BASE_SECONDS, doubled each time) until PUBLISH_MAX_ATTEMPTS; then,
or at once for a permanent failure, the item is `failed` with its reason and content.failed
is recorded. Success makes it `published` and records content.published.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.adapters.integrations import ProviderError, Publication, Published
from gateway.jobs.runtime import Runtime
from gateway.organic import integrations as connected
from gateway.organic.activity import record_activity
from gateway.organic.content import PUBLISH_TASK, QUEUE, content_payload, locked_item, stamp
from models.base import utcnow
from models.organic import ContentItem
from resolvers.errors import NotFound
from subscriptions.events import iso, record_event

log = logging.getLogger(__name__)

# Which integration publishes each content type.
PROVIDER_OF = {"tiktok": "tiktok", "blog": "wordpress", "email": "gmail"}


def _due(item: ContentItem | None, scheduled_at: str) -> bool:
    return (
        item is not None
        and item.status == "scheduled"
        and item.scheduled_at is not None
        and stamp(item.scheduled_at) == scheduled_at
    )


async def publish(runtime: Runtime, workspace_id: str, content_id: str, scheduled_at: str) -> str:
    settings = runtime.settings
    async with runtime.sessions.begin() as session:
        try:
            item = await locked_item(session, workspace_id, content_id)
        except NotFound:
            return "gone"
        if not _due(item, scheduled_at):
            return "not due"  # rescheduled, unscheduled or already done
        item.publish_attempts += 1
        attempt = item.publish_attempts
        publication = Publication(
            workspace_id=workspace_id,
            content_id=item.id,
            type=item.type,
            title=item.title,
            body=item.body,
            media_urls=tuple(item.media_urls),
            idempotency_key=f"{item.id}:{scheduled_at}",
        )
    provider_key = PROVIDER_OF[publication.type]
    outcome: Published | ProviderError
    try:
        link = await connected.live_link(runtime, workspace_id, provider_key)
        outcome = await link.adapter.publish(link.provider, link.credentials, publication)
    except ProviderError as exc:
        outcome = exc
    async with runtime.sessions.begin() as session:
        try:
            item = await locked_item(session, workspace_id, content_id)
        except NotFound:
            return "gone"
        if not _due(item, scheduled_at):
            return "not due"
        if isinstance(outcome, Published):
            await _published(session, item, outcome)
            return "published"
        item.publish_error = str(outcome)
        item.updated_at = utcnow()
        if outcome.temporary and attempt < settings.publish_max_attempts:
            delay = settings.publish_retry_base_seconds * 2 ** (attempt - 1)
            await jobs.defer(
                session,
                PUBLISH_TASK,
                queue=QUEUE,
                args={
                    "workspace_id": workspace_id,
                    "content_id": content_id,
                    "scheduled_at": scheduled_at,
                },
                schedule_at=utcnow() + timedelta(seconds=delay),
                lock=f"publish:{workspace_id}:{content_id}",
            )
            log.info(
                "publishing %s failed (attempt %s), retrying: %s", content_id, attempt, outcome
            )
            return "retrying"
        await _failed(session, item, str(outcome))
        return "failed"


async def _published(session: AsyncSession, item: ContentItem, outcome: Published) -> None:
    now = utcnow()
    item.status, item.published_at, item.updated_at = "published", now, now
    item.publish_error = None
    item.meta = {**item.meta, "externalId": outcome.external_id, "platformUrl": outcome.url}
    payload = await content_payload(session, item)
    await record_event(
        session,
        workspace_id=item.workspace_id,
        type="content.published",
        payload=payload,
        subject=item.id,
    )
    record_activity(
        session,
        workspace_id=item.workspace_id,
        type="content_published",
        title=f"{_kind(item.type)} published",
        description=item.title,
        actor_id=item.created_by,
        metadata={"contentId": item.id, "platform": item.type},
    )


async def _failed(session: AsyncSession, item: ContentItem, reason: str) -> None:
    now = utcnow()
    item.status, item.updated_at = "failed", now
    await record_event(
        session,
        workspace_id=item.workspace_id,
        type="content.failed",
        payload={
            "contentId": item.id,
            "jobId": None,
            "type": item.type,
            "title": item.title,
            "error": reason,
            "failedAt": iso(now),
        },
        subject=item.id,
    )
    record_activity(
        session,
        workspace_id=item.workspace_id,
        type="content_failed",
        title=f"{_kind(item.type)} could not be published",
        description=reason,
        actor_id=item.created_by,
        metadata={"contentId": item.id, "platform": item.type},
    )


def _kind(content_type: str) -> str:
    return {"tiktok": "TikTok video", "blog": "Blog post", "email": "Email"}[content_type]
