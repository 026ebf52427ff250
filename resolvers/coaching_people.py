"""Coaching creator hub (spec 002), part 2: programs, enrollments, end users and badges."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import extract, func, select
from strawberry.scalars import JSON

from models import coaching as m
from resolvers.coaching import grouped, parse_uuid, ratio, search_pattern, uuid_node
from resolvers.coaching_channels import ChannelType, Interaction
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of, paginate

_E = m.Enrollment
_PROGRAM_ENROLLMENTS = grouped(
    _E,
    "program_id",
    total=func.count(),
    active=func.count().filter(_E.status == "active"),
    completed=func.count().filter(_E.status == "completed"),
    dropped=func.count().filter(_E.status == "dropped"),
    completion_seconds=func.avg(extract("epoch", _E.completed_at - _E.enrolled_at)).filter(
        _E.status == "completed"
    ),
)
_USER_ENROLLMENTS = grouped(_E, "user_id", total=func.count())


async def _program_engagement(session: Any, keys: list[Any], workspace_id: str) -> list[Any]:
    """Mean engagement score of each program's enrolled users, one statement per page."""
    u = m.EndUser
    statement = (
        select(_E.program_id, func.avg(u.engagement_score).label("score"))
        .join(u, (u.workspace_id == _E.workspace_id) & (u.id == _E.user_id))
        .where(_E.workspace_id == workspace_id, _E.program_id.in_(set(keys)))
        .group_by(_E.program_id)
    )
    found = {row.program_id: row.score for row in (await session.execute(statement)).all()}
    return [found.get(k) for k in keys]


_USER_INTERACTIONS = grouped(m.Interaction, "user_id", total=func.count())


@strawberry.enum
class ProgramStatus(Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


@strawberry.type
class EnrollmentStats:
    total: int
    active: int
    completed: int
    dropped: int
    completion_rate: float | None = strawberry.field(
        description="completed / total; null when nobody enrolled."
    )
    average_completion_days: float | None = strawberry.field(
        description="Mean days from enrolment to completion, over completed enrollments."
    )


def _enrollment_stats(row: Any) -> EnrollmentStats:
    if row is None:
        return EnrollmentStats(
            total=0, active=0, completed=0, dropped=0, completion_rate=None,
            average_completion_days=None,
        )  # fmt: skip
    seconds = row.completion_seconds
    return EnrollmentStats(
        total=row.total,
        active=row.active,
        completed=row.completed,
        dropped=row.dropped,
        completion_rate=ratio(row.completed, row.total),
        average_completion_days=round(float(seconds) / 86400, 2) if seconds is not None else None,
    )


@strawberry.type
class ProgramVersion:
    version: int
    flow_definition: JSON
    published_at: datetime


@strawberry.type
class Program(Node):
    id: strawberry.ID
    name: str
    description: str | None
    flow_definition: JSON
    status: str
    version: int
    settings: JSON
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @strawberry.field
    async def enrollment_stats(self, info: Info) -> EnrollmentStats:
        loader = info.context.loaders.custom("coaching.program_enrollments", _PROGRAM_ENROLLMENTS)
        return _enrollment_stats(await loader.load(self.id))

    @strawberry.field
    async def enrollment_count(self, info: Info) -> int:
        return (await self.enrollment_stats(info)).total

    @strawberry.field(description="Completed enrollments / all enrollments (null: none yet).")
    async def completion_rate(self, info: Info) -> float | None:
        return (await self.enrollment_stats(info)).completion_rate

    @strawberry.field(description="Mean engagement score of the users enrolled (null: none).")
    async def engagement_score(self, info: Info) -> float | None:
        loader = info.context.loaders.custom("coaching.program_engagement", _program_engagement)
        score = await loader.load(self.id)
        return round(float(score), 4) if score is not None else None

    @strawberry.field(description="The newest enrollments (at most `limit`).")
    async def enrollments(self, info: Info, limit: int = 20) -> list[Enrollment]:
        loader = info.context.loaders.children(
            _E, "program_id", order_by=_E.enrolled_at.desc(), limit=_cap(limit)
        )
        return [from_row(Enrollment, row) for row in await loader.load(self.id)]

    @strawberry.field(description="Published versions, newest first.")
    async def versions(self, info: Info) -> list[ProgramVersion]:
        v = m.ProgramVersion
        loader = info.context.loaders.children(v, "program_id", order_by=v.version.desc())
        return [from_row(ProgramVersion, row) for row in await loader.load(self.id)]


@strawberry.type
class Enrollment(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    program_id: strawberry.ID
    program_version: int | None = strawberry.field(description="The version it started on.")
    status: str
    progress: float
    enrolled_at: datetime
    completed_at: datetime | None

    @strawberry.field
    async def end_user(self, info: Info) -> EndUser | None:
        row = await info.context.loaders.by_id(m.EndUser).load(self.user_id)
        return end_user_node(row) if row else None

    @strawberry.field
    async def program(self, info: Info) -> Program | None:
        row = await info.context.loaders.by_id(m.Program).load(self.program_id)
        return from_row(Program, row) if row else None


@strawberry.type
class Badge(Node):
    id: strawberry.ID
    name: str
    description: str | None
    created_at: datetime


@strawberry.type
class BadgeAward:
    badge_id: strawberry.ID
    earned_at: datetime

    @strawberry.field
    async def badge(self, info: Info) -> Badge | None:
        row = await info.context.loaders.by_id(m.Badge).load(self.badge_id)
        return from_row(Badge, row) if row else None


@strawberry.type
class EndUser(Node):
    id: strawberry.ID
    external_id: str
    channel: str
    profile_data: JSON
    timezone: str | None
    language: str | None
    is_active: bool
    engagement_score: float
    created_at: datetime
    last_active_at: datetime | None

    @strawberry.field
    async def enrollments(self, info: Info) -> list[Enrollment]:
        loader = info.context.loaders.children(
            _E, "user_id", order_by=_E.enrolled_at.desc(), limit=100
        )
        return [from_row(Enrollment, row) for row in await loader.load(self.id)]

    @strawberry.field(description="Enrollments in any status.")
    async def enrollment_count(self, info: Info) -> int:
        row = await info.context.loaders.custom(
            "coaching.user_enrollments", _USER_ENROLLMENTS
        ).load(self.id)
        return row.total if row else 0

    @strawberry.field
    async def total_interactions(self, info: Info) -> int:
        loader = info.context.loaders.custom("coaching.user_interactions", _USER_INTERACTIONS)
        row = await loader.load(self.id)
        return row.total if row else 0

    @strawberry.field(description="Badges earned, newest first.")
    async def badges(self, info: Info) -> list[BadgeAward]:
        award = m.BadgeAward
        loader = info.context.loaders.children(award, "user_id", order_by=award.earned_at.desc())
        return [from_row(BadgeAward, row) for row in await loader.load(self.id)]

    @strawberry.field(description="The newest interactions (at most `limit`).")
    async def recent_interactions(self, info: Info, limit: int = 10) -> list[Interaction]:
        i = m.Interaction
        loader = info.context.loaders.children(
            i, "user_id", order_by=i.created_at.desc(), limit=_cap(limit)
        )
        return [from_row(Interaction, row) for row in await loader.load(self.id)]


def end_user_node(row: m.EndUser) -> EndUser:
    return from_row(EndUser, row)


def _cap(limit: int) -> int:
    return max(0, min(limit, 100))


@strawberry.enum
class EndUserSortField(Enum):
    CREATED_AT = "created_at"
    LAST_ACTIVE_AT = "last_active_at"
    ENGAGEMENT_SCORE = "engagement_score"


@strawberry.input
class EndUserFilter:
    channel: ChannelType | None = None
    is_active: bool | None = None
    search: str | None = strawberry.field(
        default=None, description="In the external id or the profile's name."
    )


def _end_user_filters(f: EndUserFilter) -> list[Any]:
    u = m.EndUser
    conditions: list[Any] = []
    if f.channel is not None:
        conditions.append(u.channel == f.channel.value)
    if f.is_active is not None:
        conditions.append(u.is_active == f.is_active)
    if f.search:
        # The stored lowered text (models/coaching.py, END_USER_SEARCH): as ILIKE on the
        # external id or the name, without parsing every profile's JSON.
        pattern = func.lower(search_pattern(f.search))
        conditions.append(u.search_text.like(pattern, escape="\\"))
    return conditions


def _end_user_sort(field: EndUserSortField) -> SortKey:
    u = m.EndUser
    if field is EndUserSortField.ENGAGEMENT_SCORE:
        return SortKey(u.engagement_score, u.id, float)
    if field is EndUserSortField.LAST_ACTIVE_AT:
        # Never-active users sort as if active when they were created.
        return SortKey(func.coalesce(u.last_active_at, u.created_at), u.id, datetime)
    return SortKey(u.created_at, u.id, datetime)


@strawberry.type
class Query:
    @strawberry.field
    async def program(self, info: Info, id: strawberry.ID) -> Program | None:
        return await _program(info, parse_uuid(id))

    @strawberry.field(description="Programs, newest first; `search` looks in names.")
    async def programs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: ProgramStatus | None = None,
        search: str | None = None,
    ) -> Connection[Program]:
        ctx = info.context
        p = m.Program
        statement = ctx.scope.select(p)
        if status is not None:
            statement = statement.where(p.status == status.value)
        if search:
            statement = statement.where(p.name.ilike(search_pattern(search)))
        return await page_of(
            ctx,
            statement,
            Program,
            sort=SortKey(p.created_at, p.id, datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
        )

    @strawberry.field
    async def end_user(self, info: Info, id: strawberry.ID) -> EndUser | None:
        return await _end_user(info, parse_uuid(id))

    @strawberry.field(description="End users of the coaching hub, filtered and sorted.")
    async def end_users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: EndUserFilter | None = None,
        order_by: EndUserSortField = EndUserSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[EndUser]:
        ctx = info.context
        statement = ctx.scope.select(m.EndUser).where(*_end_user_filters(filter or EndUserFilter()))
        return await paginate(
            ctx.sessions,
            statement,
            sort=_end_user_sort(order_by),
            direction=direction,
            first=first,
            after=after,
            to_node=lambda row: end_user_node(row[0]),
        )


async def _program(info: Info, key: uuid.UUID) -> Program | None:
    row = await info.context.loaders.by_id(m.Program).load(key)
    return from_row(Program, row) if row else None


async def _end_user(info: Info, key: uuid.UUID) -> EndUser | None:
    row = await info.context.loaders.by_id(m.EndUser).load(key)
    return end_user_node(row) if row else None


async def _enrollment(info: Info, key: uuid.UUID) -> Enrollment | None:
    row = await info.context.loaders.by_id(m.Enrollment).load(key)
    return from_row(Enrollment, row) if row else None


async def _badge(info: Info, key: uuid.UUID) -> Badge | None:
    row = await info.context.loaders.by_id(m.Badge).load(key)
    return from_row(Badge, row) if row else None


register_node(None, uuid_node(_program))
register_node(None, uuid_node(_end_user))
register_node(None, uuid_node(_enrollment))
register_node(None, uuid_node(_badge))
