"""Spec 004's campaign writes: a new ad campaign, pending review."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum

import strawberry

from gateway.social import campaigns as service
from resolvers.context import Info
from resolvers.social import SocialPlatform
from resolvers.social_campaigns import AdCampaign, campaign_from_row
from resolvers.social_writes import MediaInput, _media


@strawberry.enum
class AdCampaignType(Enum):
    AWARENESS = "awareness"
    CONVERSION = "conversion"
    TRAFFIC = "traffic"
    ENGAGEMENT = "engagement"


@strawberry.input
class AdCampaignTargetingInput:
    age_range: str | None = None
    interests: list[str] = strawberry.field(default_factory=list)
    locations: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class AdCampaignCreativeInput:
    headline: str | None = None
    description: str | None = None
    media: list[MediaInput] = strawberry.field(default_factory=list)


@strawberry.input
class AdCampaignInput:
    name: str
    platform: SocialPlatform
    type: AdCampaignType
    budget_total: Decimal
    budget_daily: Decimal | None = None
    targeting: AdCampaignTargetingInput | None = None
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    creative: AdCampaignCreativeInput | None = None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new ad campaign; it starts as pending_review.")
    async def create_campaign(self, info: Info, input: AdCampaignInput) -> AdCampaign:
        targeting = input.targeting or AdCampaignTargetingInput()
        creative = input.creative or AdCampaignCreativeInput()
        async with info.context.sessions.begin() as session:
            row = await service.create_campaign(
                session,
                workspace_id=info.context.workspace_id,
                name=input.name,
                platform=input.platform.value,
                type=input.type.value,
                budget_total=input.budget_total,
                budget_daily=input.budget_daily,
                targeting={
                    "age_range": targeting.age_range,
                    "interests": targeting.interests,
                    "locations": targeting.locations,
                },
                start_at=input.start_at,
                end_at=input.end_at,
                creative={
                    "headline": creative.headline,
                    "description": creative.description,
                    "media": _media(creative.media),
                },
            )
        return campaign_from_row(row)
