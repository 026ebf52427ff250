"""User statistics, growth, retention and segments (spec 000 section 2)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from models.analytics import users
from resolvers.analytics_base import (
    ANALYTICS,
    Granularity,
    Period,
    build,
    cached,
    daily_at_finest,
    window,
)
from resolvers.context import Info

_USERS = ("users", "subscriptions", "creators")
_ACTIVITY = ("users", "messages", "sessions", "images", "favorites")


@strawberry.type
class Share:
    key: str
    count: int
    percentage: float


@strawberry.type
class UserStats:
    total_users: int
    registered_users: int
    temporary_users: int
    premium_users: int
    creator_accounts: int
    by_language: list[Share]
    by_gender: list[Share]
    generated_at: datetime


@strawberry.type
class UserGrowth:
    buckets: list[str] = strawberry.field(description="Local bucket starts (ISO), oldest first.")
    new_users: list[int]
    active_users: list[int]
    premium_conversions: list[int]
    growth_rate: float


@strawberry.type(
    description="Share of the period's new users active exactly on day N; null when no user "
    "registered in the period can have reached day N yet."
)
class RetentionRates:
    day1: float | None
    day7: float | None
    day14: float | None
    day30: float | None


@strawberry.type
class ChurnRates:
    this_week: float
    this_month: float


@strawberry.type
class Cohort:
    start: str
    start_users: int
    cells: list[int | None] = strawberry.field(
        description="Users active in the 1st, 2nd... cohort period after registering "
        "(null: that period has not started for any member yet)."
    )


@strawberry.type
class UserRetention:
    retention: RetentionRates
    churn: ChurnRates
    cohorts: list[Cohort]


@strawberry.type
class UserSegment:
    key: str
    name: str
    description: str
    count: int
    percentage: float
    average_revenue: float


@strawberry.enum
class CohortSize(Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


_P30, _DAY = Period.LAST_30_DAYS, Granularity.DAY


@strawberry.type
class Query:
    @strawberry.field(permission_classes=ANALYTICS, description="Users registered in the period.")
    async def user_stats(self, info: Info, period: Period = _P30) -> UserStats:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await users.user_stats(session, window(frame, period))

        return build(
            UserStats, await cached(info, "user_stats", {"p": period.value}, _USERS, compute)
        )

    @strawberry.field(permission_classes=ANALYTICS)
    async def user_growth(
        self, info: Info, period: Period = _P30, granularity: Granularity = _DAY
    ) -> UserGrowth:
        grain = daily_at_finest(granularity, "userGrowth")

        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await users.user_growth(session, window(frame, period), grain)

        args = {"p": period.value, "g": grain}
        return build(
            UserGrowth, await cached(info, "user_growth", args, _ACTIVITY + _USERS, compute)
        )

    @strawberry.field(permission_classes=ANALYTICS)
    async def user_retention(
        self, info: Info, period: Period = _P30, cohort: CohortSize = CohortSize.WEEKLY
    ) -> UserRetention:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await users.retention(session, window(frame, period), cohort.value)

        args = {"p": period.value, "c": cohort.value}
        return build(UserRetention, await cached(info, "retention", args, _ACTIVITY, compute))

    @strawberry.field(permission_classes=ANALYTICS)
    async def user_segments(self, info: Info) -> list[UserSegment]:
        data = await cached(
            info, "segments", {}, (*_ACTIVITY, *_USERS, "transactions"), users.segments
        )
        return [build(UserSegment, s) for s in data]
