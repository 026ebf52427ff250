"""The live dashboard's time series (the page at /dashboard charts one per headline number;
the numbers themselves arrive over the `metricUpdates` subscription)."""

from __future__ import annotations

from enum import Enum

import strawberry

from models.analytics import dashboard
from resolvers.analytics_base import Granularity, Period, cached, daily_at_finest, window
from resolvers.context import Info
from resolvers.permissions import Forbidden


@strawberry.enum(description="A headline number of the live dashboard (docs/metrics.md).")
class DashboardMetric(Enum):
    USERS = "users"
    ACTIVE_USERS = "active_users"
    MESSAGES = "messages"
    REVENUE = "revenue"
    AD_SPEND = "ad_spend"
    POSTS = "posts"


@strawberry.type(description="One number per bucket, oldest first.")
class DashboardSeries:
    metric: DashboardMetric
    buckets: list[str] = strawberry.field(description="Local bucket starts (ISO).")
    values: list[float]
    total: float = strawberry.field(description="The sum of `values`.")


@strawberry.type
class Query:
    @strawberry.field(
        description="New users, active users, messages, revenue, ad spend or new posts per "
        "bucket of the period. ACTIVE_USERS counts per local day (HOUR is refused); "
        "REVENUE needs read:revenue."
    )
    async def dashboard_series(
        self,
        info: Info,
        metric: DashboardMetric,
        period: Period = Period.LAST_30_DAYS,
        granularity: Granularity = Granularity.DAY,
    ) -> DashboardSeries:
        if metric is DashboardMetric.REVENUE and not info.context.principal.can("read:revenue"):
            raise Forbidden("This needs the 'read:revenue' scope")
        grain = (
            daily_at_finest(granularity, "ACTIVE_USERS")
            if metric is DashboardMetric.ACTIVE_USERS
            else granularity.value
        )

        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await dashboard.series(session, window(frame, period), grain, metric.value)

        args = {"m": metric.value, "p": period.value, "g": grain}
        data = await cached(
            info, "dashboard_series", args, dashboard.DEPENDS[metric.value], compute
        )
        return DashboardSeries(
            metric=metric, buckets=data["buckets"], values=data["values"], total=data["total"]
        )
