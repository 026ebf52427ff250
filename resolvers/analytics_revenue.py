"""Revenue, subscriptions and the conversion funnel (spec 000 section 5)."""

from __future__ import annotations

import strawberry

from models.analytics import revenue
from resolvers.analytics_base import ANALYTICS, REVENUE, Granularity, Period, build, cached, window
from resolvers.context import Info

_P30 = Period.LAST_30_DAYS
_MONEY = ("transactions", "users", "subscriptions")


@strawberry.type
class RevenueByType:
    type: str = strawberry.field(description="subscription, point_purchase or tip.")
    total: float
    percentage: float
    count: int = strawberry.field(description="Completed transactions of this type.")


@strawberry.type
class RevenueSummary:
    total_revenue: float
    period_revenue: float
    revenue_growth_rate: float
    average_revenue_per_user: float
    average_revenue_per_paying_user: float
    breakdown: list[RevenueByType]
    active_subscribers: int
    currency: str


@strawberry.type
class RevenueTimeline:
    buckets: list[str]
    total: list[float]
    subscription: list[float]
    point_purchase: list[float]
    tip: list[float]


@strawberry.type
class TierSubscriptions:
    tier: str
    subscribers: int
    revenue: float = strawberry.field(description="Monthly recurring revenue of this tier.")
    price: float = strawberry.field(description="Monthly price.")


@strawberry.type
class SubscriptionRetention:
    month1: float | None
    month3: float | None
    month6: float | None
    month12: float | None


@strawberry.type
class SubscriptionAnalytics:
    active_subscriptions: int
    new_subscriptions_this_week: int
    cancelled_this_week: int
    churn_rate: float
    net_growth: int
    monthly_recurring_revenue: float
    average_subscription_value: float
    by_tier: list[TierSubscriptions]
    retention: SubscriptionRetention


@strawberry.type
class ConversionFunnel:
    visitors: int
    registered: int
    activated: int
    engaged: int
    paying: int
    days_to_first_purchase: float | None
    days_from_first_chat_to_subscription: float | None


@strawberry.type
class Query:
    @strawberry.field(permission_classes=REVENUE)
    async def revenue_summary(self, info: Info, period: Period = _P30) -> RevenueSummary:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await revenue.revenue_summary(session, window(frame, period))

        return build(
            RevenueSummary, await cached(info, "revenue", {"p": period.value}, _MONEY, compute)
        )

    @strawberry.field(permission_classes=REVENUE)
    async def revenue_timeline(
        self, info: Info, period: Period = _P30, granularity: Granularity = Granularity.DAY
    ) -> RevenueTimeline:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await revenue.revenue_timeline(session, window(frame, period), granularity.value)

        args = {"p": period.value, "g": granularity.value}
        data = await cached(info, "revenue_timeline", args, ("transactions",), compute)
        return build(RevenueTimeline, data)

    @strawberry.field(permission_classes=REVENUE)
    async def subscription_analytics(
        self, info: Info, period: Period = _P30
    ) -> SubscriptionAnalytics:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await revenue.subscriptions(session, window(frame, period))

        depends = ("subscriptions", "subscription_tiers")
        data = await cached(info, "subscriptions", {"p": period.value}, depends, compute)
        return build(SubscriptionAnalytics, data)

    @strawberry.field(permission_classes=ANALYTICS)
    async def conversion_funnel(self, info: Info) -> ConversionFunnel:
        depends = ("visits", "users", "messages", "transactions", "subscriptions")
        data = await cached(info, "funnel", {}, depends, revenue.conversions)
        return build(ConversionFunnel, data)
