"""Spec 004 ad campaigns: budget and performance summed from campaign_metrics through one
batched loader, and the campaign's posts through another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import social as m
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import (
    Connection,
    OffsetPage,
    SortDirection,
    SortKey,
    offset_page,
    paginate,
)
from resolvers.social import SocialPlatform, from_json
from resolvers.social_posts import Media, SocialPost, percent, post_from_row

_CENT = Decimal("0.01")


def _per(money: Decimal, count: int) -> Decimal | None:
    return (money / count).quantize(_CENT, ROUND_HALF_UP) if count else None


@dataclass(frozen=True)
class CampaignTotals:
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend: Decimal = Decimal("0.00")
    revenue: Decimal = Decimal("0.00")


async def load_campaign_totals(
    session: AsyncSession, keys: list[str], workspace_id: str
) -> list[CampaignTotals]:
    """All-time totals of each campaign's daily metrics: one query for a page of campaigns."""
    cm = m.CampaignMetrics
    statement = (
        select(
            cm.campaign_id,
            func.sum(cm.impressions),
            func.sum(cm.clicks),
            func.sum(cm.conversions),
            func.sum(cm.spend),
            func.sum(cm.revenue),
        )
        .where(cm.workspace_id == workspace_id, cm.campaign_id.in_(set(keys)))
        .group_by(cm.campaign_id)
    )
    found = {
        row[0]: CampaignTotals(int(row[1]), int(row[2]), int(row[3]), row[4], row[5])
        for row in await session.execute(statement)
    }
    return [found.get(key, CampaignTotals()) for key in keys]


@strawberry.type
class CampaignBudget:
    total: Decimal
    daily: Decimal | None
    spent: Decimal = strawberry.field(description="Spend summed over the campaign's days.")
    remaining: Decimal = strawberry.field(description="total - spent, never below 0.")


@strawberry.type
class CampaignPerformance:
    impressions: int
    clicks: int
    conversions: int
    spend: Decimal
    revenue: Decimal
    ctr: float | None = strawberry.field(description="Clicks per 100 impressions.")
    cpc: Decimal | None = strawberry.field(description="Spend per click.")
    cpa: Decimal | None = strawberry.field(description="Spend per conversion.")
    roas: float | None = strawberry.field(description="Revenue per unit of spend.")


@strawberry.type
class CampaignTargeting:
    age_range: str | None
    interests: list[str] | None
    locations: list[str] | None


@strawberry.type
class CampaignCreative:
    headline: str | None
    description: str | None
    media: list[Media]


@strawberry.type
class AdCampaign(Node):
    id: strawberry.ID
    name: str
    platform: str
    type: str
    status: str
    start_at: datetime | None
    end_at: datetime | None
    created_at: datetime
    updated_at: datetime
    _budget_total: strawberry.Private[Decimal]
    _budget_daily: strawberry.Private[Decimal | None]
    _targeting: strawberry.Private[dict[str, Any]]
    _creative: strawberry.Private[dict[str, Any]]

    async def _totals(self, info: Info) -> CampaignTotals:
        loader = info.context.loaders.custom("campaign_totals", load_campaign_totals)
        return await loader.load(self.id)

    @strawberry.field
    async def budget(self, info: Info) -> CampaignBudget:
        spent = (await self._totals(info)).spend
        remaining = max(self._budget_total - spent, Decimal("0.00"))
        return CampaignBudget(
            total=self._budget_total, daily=self._budget_daily, spent=spent, remaining=remaining
        )

    @strawberry.field(description="All-time totals and ratios; ratios are null when undefined.")
    async def performance(self, info: Info) -> CampaignPerformance:
        t = await self._totals(info)
        roas = (t.revenue / t.spend).quantize(_CENT, ROUND_HALF_UP) if t.spend else None
        return CampaignPerformance(
            impressions=t.impressions,
            clicks=t.clicks,
            conversions=t.conversions,
            spend=t.spend,
            revenue=t.revenue,
            ctr=percent(t.clicks, t.impressions),
            cpc=_per(t.spend, t.clicks),
            cpa=_per(t.spend, t.conversions),
            roas=float(roas) if roas is not None else None,
        )

    @strawberry.field
    def targeting(self) -> CampaignTargeting:
        return from_json(CampaignTargeting, self._targeting)

    @strawberry.field
    def creative(self) -> CampaignCreative:
        media = [from_json(Media, item) for item in self._creative.get("media", [])]
        return CampaignCreative(
            headline=self._creative.get("headline"),
            description=self._creative.get("description"),
            media=media,
        )

    @strawberry.field(description="The campaign's newest posts (at most `limit`).")
    async def posts(self, info: Info, limit: int = 20) -> list[SocialPost]:
        limit = max(0, min(limit, 100))
        loader = info.context.loaders.children(
            m.Post, "campaign_id", order_by=m.Post.created_at.desc(), limit=limit
        )
        return [post_from_row(row) for row in await loader.load(self.id)]


def campaign_from_row(row: Any) -> AdCampaign:
    return from_row(
        AdCampaign,
        row,
        _budget_total=row.budget_total,
        _budget_daily=row.budget_daily,
        _targeting=row.targeting or {},
        _creative=row.creative or {},
    )


@strawberry.enum
class AdCampaignStatus(Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    PENDING_REVIEW = "pending_review"
    DRAFT = "draft"


@strawberry.enum
class CampaignSortField(Enum):
    CREATED_AT = "created_at"
    START_AT = "start_at"
    NAME = "name"


def _sort(field: CampaignSortField) -> SortKey:
    c = m.AdCampaign
    if field is CampaignSortField.NAME:
        return SortKey(c.name, c.id, str)
    if field is CampaignSortField.START_AT:
        return SortKey(func.coalesce(c.start_at, c.created_at), c.id, datetime)
    return SortKey(c.created_at, c.id, datetime)


@strawberry.type(description="The workspace's campaigns counted, budgeted and summed.")
class CampaignSummary:
    total_campaigns: int
    active: int
    paused: int
    completed: int
    pending: int = strawberry.field(description="Campaigns in pending_review or draft.")
    total_budget: Decimal
    total_spent: Decimal = strawberry.field(description="Spend over all campaign days.")
    avg_roas: float | None = strawberry.field(
        description="Total revenue / total spend over the campaigns, rounded to 2 decimals."
    )


def _campaign_filter(statement: Any, status: Any, platform: Any) -> Any:
    c = m.AdCampaign
    if status is not None:
        statement = statement.where(c.status == status.value)
    if platform is not None:
        statement = statement.where(c.platform == platform.value)
    return statement


@strawberry.type
class Query:
    @strawberry.field
    async def ad_campaign(self, info: Info, id: strawberry.ID) -> AdCampaign | None:
        return await _ad_campaign(info, id)

    @strawberry.field(description="Paid ad campaigns with budget and performance.")
    async def ad_campaigns(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: AdCampaignStatus | None = None,
        platform: SocialPlatform | None = None,
        order_by: CampaignSortField = CampaignSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[AdCampaign]:
        ctx = info.context
        c = m.AdCampaign
        statement = ctx.scope.select(c)
        if status is not None:
            statement = statement.where(c.status == status.value)
        if platform is not None:
            statement = statement.where(c.platform == platform.value)
        return await paginate(
            ctx.sessions,
            statement,
            sort=_sort(order_by),
            direction=direction,
            first=first,
            after=after,
            to_node=lambda row: campaign_from_row(row[0]),
        )

    @strawberry.field(description="Campaigns by position (limit/offset), newest first.")
    async def ad_campaign_list(
        self,
        info: Info,
        limit: int = 20,
        offset: int = 0,
        status: AdCampaignStatus | None = None,
        platform: SocialPlatform | None = None,
    ) -> OffsetPage[AdCampaign]:
        ctx = info.context
        c = m.AdCampaign
        statement = _campaign_filter(ctx.scope.select(c), status, platform)
        return await offset_page(
            ctx.sessions,
            statement,
            c.created_at.desc(),
            c.id.desc(),
            limit=limit,
            offset=offset,
            to_node=lambda row: campaign_from_row(row[0]),
        )

    @strawberry.field
    async def ad_campaign_summary(
        self, info: Info, platform: SocialPlatform | None = None
    ) -> CampaignSummary:
        ctx = info.context
        c, cm = m.AdCampaign, m.CampaignMetrics
        spent = (
            select(
                cm.campaign_id,
                func.sum(cm.spend).label("spend"),
                func.sum(cm.revenue).label("revenue"),
            )
            .where(cm.workspace_id == ctx.workspace_id)
            .group_by(cm.campaign_id)
            .subquery()
        )
        statement = _campaign_filter(
            ctx.scope.select(
                c,
                func.count(),
                func.count().filter(c.status == "active"),
                func.count().filter(c.status == "paused"),
                func.count().filter(c.status == "completed"),
                func.count().filter(c.status.in_(("pending_review", "draft"))),
                func.coalesce(func.sum(c.budget_total), 0),
                func.coalesce(func.sum(spent.c.spend), 0),
                func.coalesce(func.sum(spent.c.revenue), 0),
            ).outerjoin(spent, spent.c.campaign_id == c.id),
            None,
            platform,
        )
        async with ctx.sessions() as session:
            row = (await session.execute(statement)).one()
        total_spent, revenue = Decimal(row[6]), Decimal(row[7])
        roas = (revenue / total_spent).quantize(_CENT, ROUND_HALF_UP) if total_spent else None
        return CampaignSummary(
            total_campaigns=row[0],
            active=row[1],
            paused=row[2],
            completed=row[3],
            pending=row[4],
            total_budget=Decimal(row[5]),
            total_spent=total_spent,
            avg_roas=float(roas) if roas is not None else None,
        )


async def _ad_campaign(info: Info, node_id: str) -> AdCampaign | None:
    row = await info.context.loaders.by_id(m.AdCampaign).load(node_id)
    return campaign_from_row(row) if row else None


# Spec 003's email campaigns share the `camp_` prefix; node() tries each resolver in turn.
register_node("camp", _ad_campaign)
