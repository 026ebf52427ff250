"""Spec 004's content and settings writes: create, update and delete posts, and update the
business profile. Each runs in one transaction with the events it records."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from gateway.social import posts as service
from gateway.social import settings as business
from models import social as m
from resolvers.context import Info
from resolvers.node import from_row
from resolvers.organic_writes import actor
from resolvers.social import (
    BusinessContact,
    BusinessMarketing,
    BusinessSettings,
    SocialPlatform,
    from_json,
)
from resolvers.social_posts import SocialPost, post_from_row


@strawberry.enum
class PostType(Enum):
    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    CAROUSEL = "carousel"
    ARTICLE = "article"
    STORY = "story"
    REEL = "reel"


@strawberry.enum
class WritablePostStatus(Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"


@strawberry.input
class MediaInput:
    type: str
    url: str
    thumbnail: str | None = None
    alt: str | None = None


@strawberry.input
class PostInput:
    content: str
    platform: SocialPlatform
    title: str | None = None
    post_type: PostType = PostType.TEXT
    status: WritablePostStatus = WritablePostStatus.DRAFT
    scheduled_at: dt.datetime | None = None
    media: list[MediaInput] = strawberry.field(default_factory=list)
    hashtags: list[str] = strawberry.field(default_factory=list)
    ai_generated: bool = False
    ai_confidence: float | None = None


@strawberry.input
class PostUpdate:
    """Only the fields given change; `unschedule` clears scheduledAt."""

    title: str | None = None
    content: str | None = None
    platform: SocialPlatform | None = None
    post_type: PostType | None = None
    status: WritablePostStatus | None = None
    scheduled_at: dt.datetime | None = None
    unschedule: bool = False
    media: list[MediaInput] | None = None
    hashtags: list[str] | None = None


@strawberry.type
class DeletedPost:
    id: strawberry.ID


@strawberry.input
class BusinessContactInput:
    email: str | None = None
    phone: str | None = None
    address: str | None = None


@strawberry.input
class BusinessMarketingInput:
    brand_voice: str | None = None
    content_style: str | None = None
    posting_frequency: str | None = None
    target_audience: str | None = None
    business_objectives: list[str] | None = None


@strawberry.input
class BusinessSettingsInput:
    """Only the fields given (non-null) change."""

    company_name: str | None = None
    industry: str | None = None
    business_type: str | None = None
    company_size: str | None = None
    website: str | None = None
    founded_year: int | None = None
    description: str | None = None
    contact: BusinessContactInput | None = None
    marketing: BusinessMarketingInput | None = None


def _media(items: list[MediaInput]) -> list[dict[str, str]]:
    return [{k: v for k, v in vars(item).items() if v is not None} for item in items]


def _given(value: object) -> dict[str, object]:
    return {k: v for k, v in vars(value).items() if v is not None} if value else {}


def business_settings(row: m.BusinessSettings) -> BusinessSettings:
    return from_row(
        BusinessSettings,
        row,
        contact=from_json(BusinessContact, row.contact),
        marketing=from_json(BusinessMarketing, row.marketing),
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new post; a scheduled one is published at scheduledAt.")
    async def create_post(self, info: Info, input: PostInput) -> SocialPost:
        changes = service.PostChanges(
            title=input.title,
            content=input.content,
            platform=input.platform.value,
            post_type=input.post_type.value,
            status=input.status.value,
            scheduled_at=input.scheduled_at,
            media=_media(input.media),
            hashtags=input.hashtags,
            ai_generated=input.ai_generated,
            ai_confidence=input.ai_confidence,
        )
        async with info.context.sessions.begin() as session:
            post = await service.create_post(
                session,
                workspace_id=info.context.workspace_id,
                created_by=actor(info),
                changes=changes,
            )
        return post_from_row(post)

    @strawberry.mutation(description="Change a post that is not yet published.")
    async def update_post(self, info: Info, id: strawberry.ID, input: PostUpdate) -> SocialPost:
        unset = service.UNSET
        changes = service.PostChanges(
            title=input.title if input.title is not None else unset,
            content=input.content if input.content is not None else unset,
            platform=input.platform.value if input.platform else unset,
            post_type=input.post_type.value if input.post_type else unset,
            status=input.status.value if input.status else unset,
            scheduled_at=None if input.unschedule else (input.scheduled_at or unset),
            media=_media(input.media) if input.media is not None else unset,
            hashtags=input.hashtags if input.hashtags is not None else unset,
        )
        async with info.context.sessions.begin() as session:
            post = await service.update_post(
                session, workspace_id=info.context.workspace_id, post_id=id, changes=changes
            )
        return post_from_row(post)

    @strawberry.mutation
    async def delete_post(self, info: Info, id: strawberry.ID) -> DeletedPost:
        async with info.context.sessions.begin() as session:
            await service.delete_post(session, workspace_id=info.context.workspace_id, post_id=id)
        return DeletedPost(id=id)

    @strawberry.mutation(description="Merge the given fields into the business profile.")
    async def update_business_settings(
        self, info: Info, input: BusinessSettingsInput
    ) -> BusinessSettings:
        values = {k: v for k, v in vars(input).items() if v is not None and k in business.COLUMNS}
        async with info.context.sessions.begin() as session:
            row = await business.update_business_settings(
                session,
                workspace_id=info.context.workspace_id,
                values=values,
                contact=_given(input.contact),
                marketing=_given(input.marketing),
            )
        return business_settings(row)
