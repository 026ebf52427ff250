"""The organic marketing dashboard (spec 003): content, its metrics and calendar, and AI
generation jobs. Email marketing is in organic_email.py; integrations, the activity feed,
reports and exports in organic_dashboard.py."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import strawberry
from sqlalchemy import and_, func, or_, select
from strawberry.scalars import JSON

from models import organic as m
from models.tenancy import DashboardAccount, Workspace, WorkspaceMember
from resolvers.analytics_base import now_of
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, paginate

MAX_CALENDAR_DAYS = 366


def contains(column: Any, text: str) -> Any:
    """`column` contains `text` literally, case-insensitive (% and _ are not wildcards)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


@strawberry.type(description="A dashboard account that belongs to this workspace.")
class TeamMember:
    id: strawberry.ID
    name: str
    avatar_url: str | None


async def load_team_members(session: Any, keys: list[str], workspace_id: str) -> list[Any]:
    """Accounts by id, but only members of the workspace: an id naming anyone else's
    account shows nothing about them."""
    rows = await session.scalars(
        select(DashboardAccount)
        .join(WorkspaceMember, WorkspaceMember.account_id == DashboardAccount.id)
        .where(WorkspaceMember.workspace_id == workspace_id, DashboardAccount.id.in_(set(keys)))
    )
    found = {row.id: from_row(TeamMember, row) for row in rows}
    return [found.get(key) for key in keys]


async def team_member(info: Info, account_id: str | None) -> TeamMember | None:
    if account_id is None:
        return None
    return await info.context.loaders.custom("team_members", load_team_members).load(account_id)


@strawberry.enum
class ContentType(Enum):
    TIKTOK = "tiktok"
    BLOG = "blog"
    EMAIL = "email"


@strawberry.enum
class ContentStatus(Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    FAILED = "failed"


@strawberry.type(description="A content item's numbers summed over all its days.")
class ContentMetrics:
    views: int = 0
    likes: int = 0
    shares: int = 0
    saves: int = 0
    clicks: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal("0.00")


_METRICS = ("views", "likes", "shares", "saves", "clicks", "conversions", "revenue")


async def load_content_metrics(session: Any, keys: list[str], workspace_id: str) -> list[Any]:
    cm = m.ContentMetrics
    rows = await session.execute(
        select(cm.content_id, *(func.sum(getattr(cm, name)).label(name) for name in _METRICS))
        .where(cm.workspace_id == workspace_id, cm.content_id.in_(set(keys)))
        .group_by(cm.content_id)
    )
    found = {
        row.content_id: ContentMetrics(**{n: getattr(row, n) for n in _METRICS}) for row in rows
    }
    return [found.get(key, ContentMetrics()) for key in keys]


@strawberry.type
class ContentItem(Node):
    id: strawberry.ID
    type: ContentType
    status: ContentStatus
    title: str
    body: str
    media_urls: list[str]
    metadata: JSON
    scheduled_at: dt.datetime | None
    published_at: dt.datetime | None
    created_by_id: strawberry.Private[str | None]
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="Totals over every day the item has metrics for.")
    async def metrics(self, info: Info) -> ContentMetrics:
        return await info.context.loaders.custom("content_metrics", load_content_metrics).load(
            self.id
        )

    @strawberry.field
    async def created_by(self, info: Info) -> TeamMember | None:
        return await team_member(info, self.created_by_id)


def content_item(row: m.ContentItem) -> ContentItem:
    return from_row(
        ContentItem,
        row,
        type=ContentType(row.type),
        status=ContentStatus(row.status),
        metadata=row.meta,
        created_by_id=row.created_by,
    )


@strawberry.type
class CalendarEntry:
    time: dt.time = strawberry.field(description="Local time in the workspace's timezone.")
    at: dt.datetime
    content: ContentItem


@strawberry.type
class CalendarDay:
    date: dt.date
    entries: list[CalendarEntry]


@strawberry.enum
class GenerationStatus(Enum):
    PROCESSING = "processing"
    COMPLETE = "complete"
    FAILED = "failed"


@strawberry.type
class GenerationJob(Node):
    id: strawberry.ID
    platform: str
    product: str
    content_type: str
    tone: str | None
    length: str | None
    context: str | None
    status: GenerationStatus
    progress: int
    result: JSON | None = strawberry.field(description="The generated content, once complete.")
    error: str | None = strawberry.field(description="Why a failed job failed.")
    created_at: dt.datetime
    updated_at: dt.datetime


@strawberry.input
class ContentFilter:
    type: ContentType | None = None
    status: ContentStatus | None = None
    search: str | None = strawberry.field(default=None, description="In title or body.")


@strawberry.enum
class ContentSortField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


def _content_filters(f: ContentFilter) -> list[Any]:
    c = m.ContentItem
    conditions = []
    if f.type is not None:
        conditions.append(c.type == f.type.value)
    if f.status is not None:
        conditions.append(c.status == f.status.value)
    if f.search:
        conditions.append(or_(contains(c.title, f.search), contains(c.body, f.search)))
    return conditions


async def _timezone(info: Info) -> ZoneInfo:
    # The workspace row itself (not a tenant-owned row): read by the request's own id.
    async with info.context.sessions() as session:
        settings = await session.scalar(
            select(Workspace.settings).where(Workspace.id == info.context.workspace_id)
        )
    try:
        return ZoneInfo(str((settings or {}).get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@strawberry.type
class Query:
    @strawberry.field
    async def content_item(self, info: Info, id: strawberry.ID) -> ContentItem | None:
        return await _content_item(info, id)

    @strawberry.field(description="Content, newest first unless told otherwise.")
    async def content_items(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: ContentFilter | None = None,
        order_by: ContentSortField = ContentSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[ContentItem]:
        ctx = info.context
        statement = ctx.scope.select(m.ContentItem).where(
            *_content_filters(filter or ContentFilter())
        )
        column = getattr(m.ContentItem, order_by.value)
        return await paginate(
            ctx.sessions,
            statement,
            sort=SortKey(column, m.ContentItem.id, dt.datetime),
            direction=direction,
            first=first,
            after=after,
            to_node=lambda row: content_item(row[0]),
        )

    @strawberry.field(
        description="Published content on its publication day, other content on its "
        "scheduled day, by day in the workspace's timezone; both dates inclusive."
    )
    async def content_calendar(
        self,
        info: Info,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        types: list[ContentType] | None = None,
    ) -> list[CalendarDay]:
        zone = await _timezone(info)
        if start_date is None:
            today = now_of(info.context)[0].astimezone(zone).date()
            start_date = (end_date or today).replace(day=1)
        if end_date is None:  # the rest of start_date's month
            end_date = (start_date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            end_date -= dt.timedelta(days=1)
        if end_date < start_date:
            raise BadUserInput("endDate is before startDate", argument="endDate")
        if (end_date - start_date).days >= MAX_CALENDAR_DAYS:
            raise BadUserInput(f"at most {MAX_CALENDAR_DAYS} days", argument="endDate")
        start = dt.datetime.combine(start_date, dt.time(), zone)
        end = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time(), zone)
        c = m.ContentItem
        when = func.coalesce(c.published_at, c.scheduled_at)
        statement = (
            info.context.scope.select(c)
            .where(
                or_(  # two index-friendly ranges rather than one on coalesce()
                    and_(c.published_at >= start, c.published_at < end),
                    and_(c.published_at.is_(None), c.scheduled_at >= start, c.scheduled_at < end),
                )
            )
            .order_by(when, c.id)
        )
        if types:
            statement = statement.where(c.type.in_([t.value for t in types]))
        async with info.context.sessions() as session:
            rows = list(await session.scalars(statement))
        days: dict[dt.date, list[CalendarEntry]] = defaultdict(list)
        for row in rows:
            at = row.published_at or row.scheduled_at
            local = at.astimezone(zone)
            entry = CalendarEntry(time=local.time(), at=at, content=content_item(row))
            days[local.date()].append(entry)
        return [CalendarDay(date=day, entries=entries) for day, entries in days.items()]

    @strawberry.field
    async def generation_job(self, info: Info, id: strawberry.ID) -> GenerationJob | None:
        return await _generation_job(info, id)


async def _content_item(info: Info, node_id: str) -> ContentItem | None:
    row = await info.context.loaders.by_id(m.ContentItem).load(node_id)
    return content_item(row) if row else None


async def _generation_job(info: Info, node_id: str) -> GenerationJob | None:
    row = await info.context.loaders.by_id(m.GenerationJob).load(node_id)
    return from_row(GenerationJob, row, status=GenerationStatus(row.status)) if row else None


register_node("cnt", _content_item)
register_node("job", _generation_job)
