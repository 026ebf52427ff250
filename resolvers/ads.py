"""Ad performance rows (spec 001) as uploaded: one per campaign (ad set, ad) and slot.
Metrics over them are in resolvers/ads_metrics.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from models import ads as m
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of


@strawberry.type
class AdPerformance(Node):
    id: strawberry.ID
    source: str
    campaign_name: str
    campaign_id: str | None
    ad_set: str | None
    ad_name: str | None
    occurred_at: datetime
    impressions: int
    clicks: int
    conversions: int
    spend: Decimal
    revenue: Decimal | None
    dimensions: JSON

    @strawberry.field(description="clicks / impressions (null without impressions).")
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None


@strawberry.type
class Query:
    @strawberry.field(description="Ad performance rows, newest first.")
    async def ad_performance(
        self,
        info: Info,
        source: str | None = None,
        campaign_name: str | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[AdPerformance]:
        ctx, ap = info.context, m.AdPerformance
        conditions = [
            (source is not None, lambda: ap.source == source),
            (campaign_name is not None, lambda: ap.campaign_name == campaign_name),
            (from_ is not None, lambda: ap.occurred_at >= from_),
            (to is not None, lambda: ap.occurred_at < to),
        ]
        statement = ctx.scope.select(ap).where(*(build() for ok, build in conditions if ok))
        return await page_of(
            ctx,
            statement,
            AdPerformance,
            sort=SortKey(ap.occurred_at, ap.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )


async def _ad_performance(info: Info, node_id: str) -> AdPerformance | None:
    row = await info.context.loaders.by_id(m.AdPerformance).load(node_id)
    return from_row(AdPerformance, row) if row else None


register_node("adp", _ad_performance)
