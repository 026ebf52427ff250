"""Spec 003's content writes: create, update and delete content (scheduling publication),
and request a generation job. Each runs in one transaction with the jobs it defers."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from gateway.organic import content as service
from gateway.organic import generation
from resolvers.context import Info
from resolvers.node import from_row
from resolvers.organic import (
    ContentItem,
    ContentType,
    GenerationJob,
    GenerationStatus,
    content_item,
)


def actor(info: Info) -> str | None:
    """The dashboard account acting (API keys and local callers are nobody's)."""
    principal = info.context.principal
    return principal.subject if principal.kind == "account" else None


@strawberry.input
class ContentInput:
    type: ContentType
    title: str
    body: str = ""
    media_urls: list[str] = strawberry.field(default_factory=list)
    scheduled_at: dt.datetime | None = None
    metadata: JSON | None = None


@strawberry.input
class ContentUpdate:
    title: str | None = None
    body: str | None = None
    media_urls: list[str] | None = None
    metadata: JSON | None = None
    scheduled_at: dt.datetime | None = strawberry.field(
        default=None, description="A new time to publish at (with `unschedule`: none)."
    )
    unschedule: bool = False


@strawberry.enum
class Platform(Enum):
    TIKTOK = "tiktok"
    BLOG = "blog"
    EMAIL = "email"


@strawberry.input
class GenerationInput:
    platform: Platform
    product: str
    content_type: str = "demo"
    tone: str | None = None
    length: str | None = None
    context: str | None = None


@strawberry.type
class DeletedContent:
    id: strawberry.ID


@strawberry.type
class Mutation:
    @strawberry.mutation(description="New content; with scheduledAt it is published then.")
    async def create_content(self, info: Info, input: ContentInput) -> ContentItem:
        async with info.context.sessions.begin() as session:
            item = await service.create_content(
                session,
                workspace_id=info.context.workspace_id,
                type=input.type.value,
                title=input.title,
                body=input.body,
                media_urls=input.media_urls,
                metadata=input.metadata or {},
                scheduled_at=input.scheduled_at,
                created_by=actor(info),
            )
        return content_item(item)

    @strawberry.mutation(description="Change content; a new scheduledAt reschedules it.")
    async def update_content(
        self, info: Info, id: strawberry.ID, input: ContentUpdate
    ) -> ContentItem:
        scheduled = None if input.unschedule else input.scheduled_at
        changes = service.ContentChanges(
            title=input.title,
            body=input.body,
            media_urls=input.media_urls,
            metadata=input.metadata,
            scheduled_at=scheduled if input.unschedule or scheduled else service.UNSET,
        )
        async with info.context.sessions.begin() as session:
            item = await service.update_content(
                session, workspace_id=info.context.workspace_id, content_id=id, changes=changes
            )
        return content_item(item)

    @strawberry.mutation
    async def delete_content(self, info: Info, id: strawberry.ID) -> DeletedContent:
        async with info.context.sessions.begin() as session:
            await service.delete_content(
                session, workspace_id=info.context.workspace_id, content_id=id
            )
        return DeletedContent(id=id)

    @strawberry.mutation(description="Generate content by a job; poll generationJob(id).")
    async def generate_content(self, info: Info, input: GenerationInput) -> GenerationJob:
        async with info.context.sessions.begin() as session:
            job = await generation.request_generation(
                session,
                workspace_id=info.context.workspace_id,
                created_by=actor(info),
                platform=input.platform.value,
                product=input.product,
                content_type=input.content_type,
                tone=input.tone,
                length=input.length,
                context=input.context,
            )
        return from_row(GenerationJob, job, status=GenerationStatus(job.status))
