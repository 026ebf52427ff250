"""Content generation jobs (`job_...`): requested by POST /api/content/generate, run on the
job engine through the configured generator (gateway/adapters/generation.py).

The job's row is its status: `processing` with the progress of its real steps (20: brand
read, 40: provider called, 100: content stored), then `complete` with the content, or
`failed` with the reason (and content.failed). A finished job is never run again.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.adapters import generation as generators
from gateway.adapters.generation import Brand, GenerationFailed, GenerationRequest
from gateway.jobs.runtime import Runtime
from models.base import new_id, utcnow
from models.organic import GenerationJob
from models.social import BrandSettings, BusinessSettings
from models.tenancy import Workspace
from subscriptions.events import iso, record_event

log = logging.getLogger(__name__)

QUEUE = "organic"
TASK = "organic:generate_content"
# Seconds a client should expect to wait, by length (spec 003's `estimatedTime`).
ESTIMATES = {"short": 10, "medium": 20, "long": 30}


def estimated_seconds(length: str | None) -> int:
    return ESTIMATES.get(length or "medium", 20)


async def request_generation(
    session: AsyncSession, *, workspace_id: str, created_by: str | None, **fields: Any
) -> GenerationJob:
    now = utcnow()
    job = GenerationJob(
        workspace_id=workspace_id,
        id=new_id("job"),
        created_by=created_by,
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(job)
    await session.flush()
    await jobs.defer(
        session, TASK, queue=QUEUE, args={"workspace_id": workspace_id, "job_id": job.id}
    )
    return job


async def brand_of(session: AsyncSession, workspace_id: str) -> Brand:
    """The workspace's brand: its business and brand settings (spec 004), else its name."""
    name = await session.scalar(select(Workspace.name).where(Workspace.id == workspace_id))
    business = await session.get(BusinessSettings, workspace_id)
    look = await session.get(BrandSettings, workspace_id)
    marketing = business.marketing if business else {}
    guidelines = look.guidelines if look else {}
    return Brand(
        name=(business.company_name if business and business.company_name else None)
        or name
        or "our brand",
        voice=guidelines.get("brand_voice") or marketing.get("brand_voice"),
        style=guidelines.get("content_style") or marketing.get("content_style"),
        audience=marketing.get("target_audience"),
        objectives=tuple(marketing.get("business_objectives") or ()),
    )


async def _step(runtime: Runtime, workspace_id: str, job_id: str, progress: int) -> None:
    async with runtime.sessions.begin() as session:
        job = await session.get(GenerationJob, (workspace_id, job_id), with_for_update=True)
        if job is not None and job.status == "processing":
            job.progress, job.updated_at = max(job.progress, progress), utcnow()


async def run(runtime: Runtime, workspace_id: str, job_id: str) -> str:
    async with runtime.sessions() as session:
        job = await session.get(GenerationJob, (workspace_id, job_id))
        if job is None or job.status != "processing":
            return "done before"
        brand = await brand_of(session, workspace_id)
    await _step(runtime, workspace_id, job_id, 20)
    request = GenerationRequest(
        platform=job.platform,
        product=job.product,
        content_type=job.content_type,
        brand=brand,
        tone=job.tone,
        length=job.length,
        context=job.context,
    )
    generator = runtime.once(
        f"generator:{runtime.settings.generation_adapter}",
        lambda: generators.from_settings(runtime.settings),
    )
    await _step(runtime, workspace_id, job_id, 40)
    try:
        generated = await generator.generate(request)
    except GenerationFailed as exc:
        return await _finish(runtime, workspace_id, job_id, failure=str(exc))
    except Exception as exc:  # a provider bug must still end the job, with a reason
        log.exception("generation %s failed", job_id)
        return await _finish(runtime, workspace_id, job_id, failure=f"generation failed: {exc}")
    result = {
        "title": generated.title,
        "body": generated.body,
        "metadata": {"aiGenerated": True, "model": generated.model},
    }
    return await _finish(runtime, workspace_id, job_id, result=result)


async def _finish(
    runtime: Runtime,
    workspace_id: str,
    job_id: str,
    *,
    result: dict[str, Any] | None = None,
    failure: str | None = None,
) -> str:
    async with runtime.sessions.begin() as session:
        job = await session.get(GenerationJob, (workspace_id, job_id), with_for_update=True)
        if job is None or job.status != "processing":
            return "done before"
        job.updated_at = utcnow()
        if result is not None:
            job.status, job.progress, job.result = "complete", 100, result
            return "complete"
        job.status, job.error = "failed", failure
        await record_event(
            session,
            workspace_id=workspace_id,
            type="content.failed",
            payload={
                "contentId": None,
                "jobId": job.id,
                "type": job.platform,
                "title": None,
                "error": failure,
                "failedAt": iso(job.updated_at),
            },
            subject=job.id,
        )
    return "failed"
