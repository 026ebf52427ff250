"""Spec 004, the workspace side: connected social accounts (with their daily metrics) and
the business and brand settings. Posts, ad campaigns and AI agents live in
social_posts.py, social_campaigns.py and social_agents.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import strawberry

from models import social as m
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node

T = TypeVar("T")


@strawberry.enum
class SocialPlatform(Enum):
    INSTAGRAM = "instagram"
    FACEBOOK = "facebook"
    LINKEDIN = "linkedin"
    TWITTER = "twitter"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"


def from_json(cls: type[T], data: dict[str, Any] | None) -> T:
    """A Strawberry type from a JSONB object: known keys are read, the rest ignored."""
    data = data or {}
    return cls(**{f.name: data.get(f.name) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


async def first_row(info: Info, model: Any) -> Any:
    """The workspace's only row of a one-per-workspace table, or None."""
    async with info.context.sessions() as session:
        return (await session.scalars(info.context.scope.select(model).limit(1))).first()


@strawberry.type
class PlatformDay:
    date: dt.date
    reach: int
    engagement: int
    followers: int
    posts: int
    revenue: Decimal


@strawberry.type
class SocialAccount(Node):
    id: strawberry.ID
    platform: str
    username: str
    display_name: str | None
    followers: int
    is_connected: bool
    permissions: list[str]
    last_sync_at: datetime | None
    connected_at: datetime

    @strawberry.field(description="The account's latest days of metrics, newest first.")
    async def daily_metrics(self, info: Info, days: int = 30) -> list[PlatformDay]:
        days = max(0, min(days, 366))
        loader = info.context.loaders.children(
            m.PlatformDailyMetrics,
            "social_account_id",
            order_by=m.PlatformDailyMetrics.date.desc(),
            limit=days,
        )
        return [from_row(PlatformDay, row) for row in await loader.load(self.id)]


@strawberry.type
class BusinessContact:
    email: str | None
    phone: str | None
    address: str | None


@strawberry.type
class BusinessMarketing:
    brand_voice: str | None
    content_style: str | None
    posting_frequency: str | None
    target_audience: str | None
    business_objectives: list[str] | None


@strawberry.type
class BusinessSettings:
    company_name: str | None
    industry: str | None
    business_type: str | None
    company_size: str | None
    website: str | None
    founded_year: int | None
    description: str | None
    contact: BusinessContact
    marketing: BusinessMarketing
    updated_at: datetime


@strawberry.type
class BrandColors:
    primary: str | None
    secondary: str | None
    accent: str | None
    background: str | None
    text: str | None


@strawberry.type
class BrandAssets:
    primary_logo: str | None
    light_logo: str | None
    favicon: str | None
    watermark: str | None


@strawberry.type
class BrandGuidelines:
    brand_voice: str | None
    content_style: str | None
    description: str | None


@strawberry.type
class BrandSettings:
    colors: BrandColors
    assets: BrandAssets
    guidelines: BrandGuidelines
    updated_at: datetime


@strawberry.type
class Query:
    @strawberry.field
    async def social_account(self, info: Info, id: strawberry.ID) -> SocialAccount | None:
        return await _social_account(info, id)

    @strawberry.field(description="Social media accounts, by platform then username.")
    async def social_accounts(
        self, info: Info, platform: SocialPlatform | None = None, connected: bool | None = None
    ) -> list[SocialAccount]:
        a = m.SocialAccount
        statement = info.context.scope.select(a).order_by(a.platform, a.username, a.id)
        if platform is not None:
            statement = statement.where(a.platform == platform.value)
        if connected is not None:
            statement = statement.where(a.is_connected == connected)
        async with info.context.sessions() as session:
            rows = (await session.scalars(statement)).all()
        return [from_row(SocialAccount, row) for row in rows]

    @strawberry.field(description="The business profile; null until one is uploaded.")
    async def business_settings(self, info: Info) -> BusinessSettings | None:
        row = await first_row(info, m.BusinessSettings)
        if row is None:
            return None
        return from_row(
            BusinessSettings,
            row,
            contact=from_json(BusinessContact, row.contact),
            marketing=from_json(BusinessMarketing, row.marketing),
        )

    @strawberry.field(description="Brand colors, assets and guidelines; null until uploaded.")
    async def brand_settings(self, info: Info) -> BrandSettings | None:
        row = await first_row(info, m.BrandSettings)
        if row is None:
            return None
        return BrandSettings(
            colors=from_json(BrandColors, row.colors),
            assets=from_json(BrandAssets, row.assets),
            guidelines=from_json(BrandGuidelines, row.guidelines),
            updated_at=row.updated_at,
        )


async def _social_account(info: Info, node_id: str) -> SocialAccount | None:
    row = await info.context.loaders.by_id(m.SocialAccount).load(node_id)
    return from_row(SocialAccount, row) if row else None


register_node("social", _social_account)
