"""Spec 004 posts: filtered, sorted and paginated, with their performance (from the latest
metrics snapshot) and their ad campaign, both batched."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Numeric, cast, func, or_

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

if TYPE_CHECKING:
    from resolvers.social_campaigns import AdCampaign

_CENT = Decimal("0.01")


def percent(part: int | Decimal, whole: int | Decimal | None) -> float | None:
    """part / whole as a percentage rounded half-up to 2 decimals; null when whole is 0."""
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(_CENT, ROUND_HALF_UP))


@strawberry.enum
class PostStatus(Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"


@strawberry.enum
class PostSortField(Enum):
    CREATED_AT = "created_at"
    SCHEDULED_AT = "scheduled_at"
    PERFORMANCE = "performance"


@strawberry.type
class Media:
    type: str
    url: str
    thumbnail: str | None
    alt: str | None


@strawberry.type
class PostPerformance:
    views: int
    likes: int
    comments: int
    shares: int
    clicks: int
    reach: int | None
    measured_at: datetime

    @strawberry.field(
        description="(likes + comments + shares) per 100 accounts reached (per 100 views when "
        "reach is unknown), rounded to 2 decimals; null with no reach or views."
    )
    def engagement_rate(self) -> float | None:
        return percent(self.likes + self.comments + self.shares, self.reach or self.views)

    @strawberry.field(description="Clicks per 100 views, rounded to 2 decimals.")
    def click_through_rate(self) -> float | None:
        return percent(self.clicks, self.views)


@strawberry.type
class SocialPost(Node):
    id: strawberry.ID
    title: str | None
    content: str
    platform: str
    post_type: str
    status: str
    scheduled_at: datetime | None
    published_at: datetime | None
    media: list[Media]
    hashtags: list[str]
    ai_generated: bool
    ai_confidence: float | None
    campaign_id: strawberry.ID | None
    created_by: strawberry.ID | None
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The latest metrics; null until the platform reports any.")
    async def performance(self, info: Info) -> PostPerformance | None:
        row = await info.context.loaders.by_id(m.PostMetrics, "post_id").load(self.id)
        return from_row(PostPerformance, row) if row else None

    @strawberry.field
    async def campaign(
        self, info: Info
    ) -> Annotated[AdCampaign, strawberry.lazy("resolvers.social_campaigns")] | None:
        from resolvers.social_campaigns import campaign_from_row

        if self.campaign_id is None:
            return None
        row = await info.context.loaders.by_id(m.AdCampaign).load(self.campaign_id)
        return campaign_from_row(row) if row else None


def post_from_row(row: Any) -> SocialPost:
    return from_row(SocialPost, row, media=[from_json(Media, item) for item in row.media])


@strawberry.input
class PostFilter:
    status: PostStatus | None = None
    platform: SocialPlatform | None = None
    campaign_id: strawberry.ID | None = None
    ai_generated: bool | None = None
    search: str | None = strawberry.field(default=None, description="In title or content.")


def _filters(f: PostFilter) -> list[Any]:
    p = m.Post
    conditions = []
    if f.status is not None:
        conditions.append(p.status == f.status.value)
    if f.platform is not None:
        conditions.append(p.platform == f.platform.value)
    if f.campaign_id is not None:
        conditions.append(p.campaign_id == f.campaign_id)
    if f.ai_generated is not None:
        conditions.append(p.ai_generated == f.ai_generated)
    if f.search:
        pattern = f"%{f.search}%"
        conditions.append(or_(p.title.ilike(pattern), p.content.ilike(pattern)))
    return conditions


def _sort(field: PostSortField) -> SortKey:
    p, pm = m.Post, m.PostMetrics
    if field is PostSortField.SCHEDULED_AT:
        # Unscheduled posts sort by when they were created.
        return SortKey(func.coalesce(p.scheduled_at, p.created_at), p.id, datetime)
    if field is PostSortField.PERFORMANCE:
        # The engagement rate, unrounded; posts without metrics rank below every rate.
        interactions = cast(pm.likes + pm.comments + pm.shares, Numeric)
        audience = func.nullif(func.coalesce(func.nullif(pm.reach, 0), pm.views), 0)
        return SortKey(func.coalesce(interactions * 100 / audience, -1), p.id, Decimal)
    return SortKey(p.created_at, p.id, datetime)


@strawberry.type(description="Counts of the posts a filter selects (its status aside).")
class PostSummary:
    total_posts: int
    published: int
    scheduled: int
    drafts: int
    failed: int
    avg_engagement: float | None = strawberry.field(
        description="Mean engagement rate (see PostPerformance.engagementRate) of the "
        "posts that have metrics, rounded to 2 decimals; null when none has."
    )


def _engagement_rate() -> Any:
    pm = m.PostMetrics
    interactions = cast(pm.likes + pm.comments + pm.shares, Numeric)
    audience = func.nullif(func.coalesce(func.nullif(pm.reach, 0), pm.views), 0)
    return interactions * 100 / audience


@strawberry.type
class Query:
    @strawberry.field
    async def post(self, info: Info, id: strawberry.ID) -> SocialPost | None:
        return await _post(info, id)

    @strawberry.field(description="Social posts; PERFORMANCE sorts by engagement rate.")
    async def posts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: PostFilter | None = None,
        order_by: PostSortField = PostSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[SocialPost]:
        ctx = info.context
        p, pm = m.Post, m.PostMetrics
        statement = (
            ctx.scope.select(p, p, pm)
            .outerjoin(pm, (pm.workspace_id == p.workspace_id) & (pm.post_id == p.id))
            .where(*_filters(filter or PostFilter()))
        )
        metrics_loader = ctx.loaders.by_id(pm, "post_id")

        def to_node(row: Any) -> SocialPost:
            post, metrics = row[0], row[1]
            metrics_loader.prime(post.id, metrics)  # fetched with the page: no second query
            return post_from_row(post)

        return await paginate(
            ctx.sessions,
            statement,
            sort=_sort(order_by),
            direction=direction,
            first=first,
            after=after,
            to_node=to_node,
        )

    @strawberry.field(description="Posts by position (limit/offset), for page-numbered lists.")
    async def post_list(
        self,
        info: Info,
        limit: int = 20,
        offset: int = 0,
        filter: PostFilter | None = None,
        order_by: PostSortField = PostSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> OffsetPage[SocialPost]:
        ctx = info.context
        p, pm = m.Post, m.PostMetrics
        statement = (
            ctx.scope.select(p, p, pm)
            .outerjoin(pm, (pm.workspace_id == p.workspace_id) & (pm.post_id == p.id))
            .where(*_filters(filter or PostFilter()))
        )
        metrics_loader = ctx.loaders.by_id(pm, "post_id")

        def to_node(row: Any) -> SocialPost:
            metrics_loader.prime(row[0].id, row[1])  # fetched with the page
            return post_from_row(row[0])

        key = _sort(order_by)
        order = [key.expression.desc(), key.id_column.desc()]
        if direction is SortDirection.ASC:
            order = [key.expression.asc(), key.id_column.asc()]
        return await offset_page(
            ctx.sessions, statement, *order, limit=limit, offset=offset, to_node=to_node
        )

    @strawberry.field
    async def post_summary(self, info: Info, filter: PostFilter | None = None) -> PostSummary:
        ctx = info.context
        p, pm = m.Post, m.PostMetrics
        given = filter or PostFilter()
        unfiltered = PostFilter(**{**vars(given), "status": None})
        by_status = {
            name: func.count().filter(p.status == name) for name in ("published", "scheduled")
        }
        statement = (
            ctx.scope.select(
                p,
                func.count(),
                by_status["published"],
                by_status["scheduled"],
                func.count().filter(p.status == "draft"),
                func.count().filter(p.status == "failed"),
                func.avg(_engagement_rate()),
            )
            .outerjoin(pm, (pm.workspace_id == p.workspace_id) & (pm.post_id == p.id))
            .where(*_filters(unfiltered))
        )
        async with ctx.sessions() as session:
            row = (await session.execute(statement)).one()
        avg = row[5]
        return PostSummary(
            total_posts=row[0],
            published=row[1],
            scheduled=row[2],
            drafts=row[3],
            failed=row[4],
            avg_engagement=float(Decimal(avg).quantize(_CENT, ROUND_HALF_UP)) if avg else None,
        )


async def _post(info: Info, node_id: str) -> SocialPost | None:
    row = await info.context.loaders.by_id(m.Post).load(node_id)
    return post_from_row(row) if row else None


register_node("post", _post)
