"""Dashboard summary and platform health (spec 000 section 1)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.concurrent_reads import ConcurrentReads
from models.analytics import overview
from resolvers.analytics_base import ANALYTICS, REVENUE, build, cached
from resolvers.context import Info

_ALL = (
    "users",
    "characters",
    "messages",
    "sessions",
    "images",
    "subscriptions",
    "transactions",
    "favorites",
)


@strawberry.type
class UserOverview:
    total_users: int
    new_users_today: int
    new_users_this_week: int
    new_users_this_month: int
    user_growth_rate: float = strawberry.field(description="Last 30 days vs the 30 before, %.")
    active_users_today: int
    active_users_this_week: int
    monthly_active_users: int


@strawberry.type
class CharacterOverview:
    total_characters: int
    public_characters: int
    private_characters: int
    new_characters_this_week: int
    character_growth_rate: float


@strawberry.type
class EngagementOverview:
    total_messages: int
    messages_today: int
    messages_this_week: int
    average_messages_per_user: float
    average_session_seconds: int
    total_images_generated: int
    images_generated_today: int


@strawberry.type
class RevenueOverview:
    total_revenue: float
    revenue_today: float
    revenue_this_week: float
    revenue_this_month: float
    revenue_growth_rate: float
    average_revenue_per_user: float
    premium_users: int
    premium_conversion_rate: float


@strawberry.type
class DashboardSummary:
    overview: UserOverview
    characters: CharacterOverview
    engagement: EngagementOverview
    revenue: RevenueOverview = strawberry.field(permission_classes=REVENUE)
    generated_at: datetime


@strawberry.type
class PlatformHealth:
    status: str
    database: str
    api_latency_ms: int = strawberry.field(description="A database round trip, measured now.")
    active_connections: int = strawberry.field(description="Connections to this database.")
    uptime_seconds: int = strawberry.field(description="Since this process started.")


@strawberry.type
class Query:
    @strawberry.field(permission_classes=ANALYTICS, description="Main dashboard numbers.")
    async def dashboard_summary(self, info: Info) -> DashboardSummary:
        data = await cached(info, "summary", {}, _ALL, overview.dashboard_summary)
        return build(DashboardSummary, data)

    @strawberry.field(permission_classes=ANALYTICS, description="Live health (not cached).")
    async def platform_health(self, info: Info) -> PlatformHealth:
        reads = ConcurrentReads(info.context.sessions)
        return build(PlatformHealth, await overview.health(reads))
