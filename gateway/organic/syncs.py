"""Integration syncs: a job that reads the connected account through the provider adapter
(its accounts and followers become the integration's `config`) and the day's numbers of
the content published through it (upserted as today's content_metrics row).

Progress and outcome live in the sync's row (`sync_...`); a sync already finished is not
run again. A provider failure fails the sync, puts the integration in `error` and records
integration.failed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.adapters.integrations import PROVIDERS, ProviderError
from gateway.jobs.runtime import Runtime
from gateway.organic import integrations as connected
from gateway.organic.activity import record_activity
from models.base import utcnow
from models.organic import ContentItem, ContentMetrics, Integration
from models.organic_work import IntegrationSync
from resolvers.errors import BadUserInput

QUEUE = "organic"
SYNC_TASK = "organic:sync_integration"
# Which content a provider's sync brings numbers for.
CONTENT_OF = {"tiktok": "tiktok", "wordpress": "blog", "gmail": "email"}


async def request_sync(
    session: AsyncSession, *, workspace_id: str, integration_id: str, full: bool
) -> IntegrationSync:
    row = await connected.find(session, workspace_id, integration_id)
    if row.status != "connected":
        raise BadUserInput(
            f"{row.name} is not connected", details={"integrationId": "connect it first"}
        )
    sync = IntegrationSync(workspace_id=workspace_id, integration_id=row.id, full=full)
    session.add(sync)
    await session.flush()
    await jobs.defer(
        session,
        SYNC_TASK,
        queue=QUEUE,
        args={"workspace_id": workspace_id, "sync_id": sync.id},
        lock=f"sync:{workspace_id}:{row.id}",
    )
    return sync


async def run_sync(runtime: Runtime, workspace_id: str, sync_id: str) -> str:
    async with runtime.sessions.begin() as session:
        sync = await session.get(IntegrationSync, (workspace_id, sync_id), with_for_update=True)
        if sync is None or sync.status != "processing":
            return "done before"
        row = await session.get(Integration, (workspace_id, sync.integration_id))
        if row is None or row.status != "connected" or row.provider not in PROVIDERS:
            sync.status, sync.error, sync.finished_at = "failed", "not connected", utcnow()
            return "failed"
        sync.progress = 10
        published = await _published(session, workspace_id, row.provider)
        credentials = connected.unseal(runtime.settings, row.credentials)
    adapter = connected.adapters.from_settings(runtime.settings, runtime.sessions, workspace_id)
    try:
        result = await adapter.sync(
            PROVIDERS[row.provider], credentials, full=sync.full, published=published
        )
    except ProviderError as exc:
        async with runtime.sessions.begin() as session:
            await _fail(session, workspace_id, sync_id, str(exc))
        return "failed"
    async with runtime.sessions.begin() as session:
        sync = await session.get(IntegrationSync, (workspace_id, sync_id), with_for_update=True)
        if sync is None or sync.status != "processing":
            return "done before"
        row = await session.get(Integration, (workspace_id, sync.integration_id))
        if row is None:
            return "gone"
        today = utcnow().date()
        for content_id, numbers in result.metrics.items():
            statement = insert(ContentMetrics).values(
                workspace_id=workspace_id, content_id=content_id, date=today, **numbers
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["workspace_id", "content_id", "date"], set_=numbers
                )
            )
        now = utcnow()
        row.config, row.last_sync_at = result.config, now
        sync.status, sync.progress, sync.finished_at = "complete", 100, now
        sync.items = len(result.metrics)
        record_activity(
            session,
            workspace_id=workspace_id,
            type="integration_synced",
            title=f"{row.name} synced",
            metadata={"integrationId": row.id, "syncId": sync.id, "items": sync.items},
        )
    return "complete"


async def _published(
    session: AsyncSession, workspace_id: str, provider: str
) -> list[tuple[str, str]]:
    kind = CONTENT_OF.get(provider)
    if kind is None:
        return []
    rows = await session.execute(
        select(ContentItem.id, ContentItem.meta["externalId"].astext).where(
            ContentItem.workspace_id == workspace_id,
            ContentItem.type == kind,
            ContentItem.status == "published",
            ContentItem.meta["externalId"].astext.is_not(None),
        )
    )
    return [(content_id, external) for content_id, external in rows]


async def _fail(session: AsyncSession, workspace_id: str, sync_id: str, reason: str) -> None:
    sync = await session.get(IntegrationSync, (workspace_id, sync_id), with_for_update=True)
    if sync is None or sync.status != "processing":
        return
    sync.status, sync.error, sync.finished_at = "failed", reason, utcnow()
    await connected.mark_failed(session, workspace_id, sync.integration_id, reason)
