"""Spec 004's dashboard and analytics figures, computed from stored data: daily platform
metrics (per social account), campaign days, published posts and their metrics. Each field
is a fixed number of SQL statements whatever the number of days, accounts or platforms.

A period of N days ends today (UTC, or the pinned clock) and is compared with the N days
before it; docs/metrics.md defines every number."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import text

from resolvers.analytics_base import now_of
from resolvers.context import Info
from resolvers.social import SocialPlatform

_CENT = Decimal("0.01")


@strawberry.enum
class SocialRange(Enum):
    DAYS_7 = 7
    DAYS_30 = 30
    DAYS_90 = 90
    YEAR_1 = 365


def _ratio(part: Any, whole: Any, scale: int = 100) -> float | None:
    if not whole:
        return None
    value = Decimal(part) * scale / Decimal(whole)
    return float(value.quantize(_CENT, ROUND_HALF_UP))


@strawberry.type(description="One period's totals (see docs/metrics.md).")
class SocialTotals:
    reach: int
    engagement: int
    followers: int = strawberry.field(description="Followers at the period's last day.")
    followers_gained: int = strawberry.field(description="followers - previous followers.")
    posts: int
    revenue: Decimal
    impressions: int
    clicks: int
    conversions: int
    spend: Decimal

    # Derived here (plain fields, no resolvers) so the compiled path projects them.
    engagement_rate: float | None = strawberry.field(
        description="engagement per 100 reached, 2 decimals."
    )
    click_through_rate: float | None = strawberry.field(
        description="Campaign clicks per 100 impressions."
    )
    conversion_rate: float | None = strawberry.field(
        description="Campaign conversions per 100 clicks."
    )
    cost_per_click: float | None = strawberry.field(description="Campaign spend per click.")


@strawberry.type
class SocialComparison:
    start_date: dt.date
    end_date: dt.date
    current: SocialTotals
    previous: SocialTotals


@strawberry.type
class SocialPlatformStats:
    platform: str
    current: SocialTotals
    previous: SocialTotals
    top_content_type: str | None = strawberry.field(
        description="The post type published most on the platform in the period."
    )
    best_posting_time: str | None = strawberry.field(
        description="`HH:00` (UTC) whose published posts had the highest mean engagement rate."
    )


@strawberry.type
class SocialDay:
    date: dt.date
    reach: int
    engagement: int
    followers: int
    posts: int


@dataclass
class _Acc:
    reach: int = 0
    engagement: int = 0
    followers: int = 0
    followers_before: int = 0
    posts: int = 0
    revenue: Decimal = Decimal("0.00")
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend: Decimal = Decimal("0.00")

    def totals(self) -> SocialTotals:
        return SocialTotals(
            reach=self.reach,
            engagement=self.engagement,
            followers=self.followers,
            followers_gained=self.followers - self.followers_before,
            posts=self.posts,
            revenue=self.revenue,
            impressions=self.impressions,
            clicks=self.clicks,
            conversions=self.conversions,
            spend=self.spend,
            engagement_rate=_ratio(self.engagement, self.reach),
            click_through_rate=_ratio(self.clicks, self.impressions),
            conversion_rate=_ratio(self.conversions, self.clicks),
            cost_per_click=_ratio(self.spend, self.clicks, 1),
        )


_PLATFORM_FILTER = (
    "(CAST(:platforms AS text[]) IS NULL OR a.platform = ANY(CAST(:platforms AS text[])))"
)

# Window 0 is the current period, 1 the previous one, 2 the one before (followers only).
_DAYS = f"""
SELECT a.platform, (:end - d.date) / :days AS w,
       sum(d.reach), sum(d.engagement), sum(d.posts), sum(d.revenue)
FROM platform_daily_metrics d
JOIN social_accounts a ON a.workspace_id = d.workspace_id AND a.id = d.social_account_id
WHERE d.workspace_id = :ws AND d.date > :end - 2 * :days AND d.date <= :end
  AND {_PLATFORM_FILTER}
GROUP BY 1, 2
"""
_FOLLOWERS = f"""
SELECT platform, w, sum(followers) FROM (
  SELECT DISTINCT ON (d.social_account_id, (:end - d.date) / :days)
         a.platform, (:end - d.date) / :days AS w, d.followers
  FROM platform_daily_metrics d
  JOIN social_accounts a ON a.workspace_id = d.workspace_id AND a.id = d.social_account_id
  WHERE d.workspace_id = :ws AND d.date > :end - 3 * :days AND d.date <= :end
    AND {_PLATFORM_FILTER}
  ORDER BY d.social_account_id, (:end - d.date) / :days, d.date DESC
) last_days GROUP BY 1, 2
"""
_CAMPAIGNS = f"""
SELECT a.platform, (:end - d.date) / :days AS w,
       sum(d.impressions), sum(d.clicks), sum(d.conversions), sum(d.spend)
FROM campaign_metrics d
JOIN ad_campaigns a ON a.workspace_id = d.workspace_id AND a.id = d.campaign_id
WHERE d.workspace_id = :ws AND d.date > :end - 2 * :days AND d.date <= :end
  AND {_PLATFORM_FILTER}
GROUP BY 1, 2
"""
_CONTENT = f"""
WITH published AS (
  SELECT a.platform, a.post_type, extract(hour FROM a.published_at AT TIME ZONE 'UTC') AS hour,
         (m.likes + m.comments + m.shares)::numeric * 100
           / nullif(coalesce(nullif(m.reach, 0), m.views), 0) AS rate
  FROM posts a
  LEFT JOIN post_metrics m ON m.workspace_id = a.workspace_id AND m.post_id = a.id
  WHERE a.workspace_id = :ws AND a.status = 'published'
    AND a.published_at >= CAST(:end - :days + 1 AS timestamp) AT TIME ZONE 'UTC'
    AND a.published_at < CAST(:end + 1 AS timestamp) AT TIME ZONE 'UTC'
    AND {_PLATFORM_FILTER}
)
-- Two grouped passes over the period's posts, not two correlated scans per platform.
, types AS (
  SELECT DISTINCT ON (platform) platform, post_type
  FROM (SELECT platform, post_type, count(*) AS n FROM published GROUP BY 1, 2) x
  ORDER BY platform, n DESC, post_type
), hours AS (
  SELECT DISTINCT ON (platform) platform, hour
  FROM (SELECT platform, hour, avg(rate) AS r FROM published WHERE rate IS NOT NULL
        GROUP BY 1, 2) x
  ORDER BY platform, r DESC, hour
)
SELECT t.platform, t.post_type, h.hour FROM types t LEFT JOIN hours h ON h.platform = t.platform
"""
_TRENDS = f"""
SELECT d.date, sum(d.reach), sum(d.engagement), sum(d.followers), sum(d.posts)
FROM platform_daily_metrics d
JOIN social_accounts a ON a.workspace_id = d.workspace_id AND a.id = d.social_account_id
WHERE d.workspace_id = :ws AND d.date > :end - :days AND d.date <= :end AND {_PLATFORM_FILTER}
GROUP BY 1 ORDER BY 1
"""


def _typed(sql: str) -> str:
    """Bound values typed once: asyncpg cannot infer `:end - d.date` from text alone."""
    return sql.replace(":end", "CAST(:end AS date)").replace(":days", "CAST(:days AS integer)")


_DAYS, _FOLLOWERS, _CAMPAIGNS, _CONTENT, _TRENDS = map(
    _typed, (_DAYS, _FOLLOWERS, _CAMPAIGNS, _CONTENT, _TRENDS)
)


def _params(info: Info, range: SocialRange, platforms: list[SocialPlatform] | None) -> dict:
    now, _ = now_of(info.context)
    return {
        "ws": info.context.workspace_id,
        "end": now.astimezone(dt.UTC).date(),
        "days": range.value,
        "platforms": [p.value for p in platforms] if platforms else None,
    }


async def _by_platform(info: Info, params: dict[str, Any]) -> dict[str, list[_Acc]]:
    """Per platform, the current and previous period's accumulated counters."""
    found: dict[str, list[_Acc]] = defaultdict(lambda: [_Acc(), _Acc(), _Acc()])
    async with info.context.reads() as session:
        for platform, w, reach, engagement, posts, revenue in await session.execute(
            text(_DAYS), params
        ):
            acc = found[platform][w]
            acc.reach, acc.engagement, acc.posts, acc.revenue = (
                int(reach),
                int(engagement),
                int(posts),
                revenue,
            )
        for platform, w, followers in await session.execute(text(_FOLLOWERS), params):
            found[platform][w].followers = int(followers)
        for platform, w, impressions, clicks, conversions, spend in await session.execute(
            text(_CAMPAIGNS), params
        ):
            acc = found[platform][w]
            acc.impressions, acc.clicks, acc.conversions, acc.spend = (
                int(impressions),
                int(clicks),
                int(conversions),
                spend,
            )
    for windows in found.values():
        windows[0].followers_before = windows[1].followers
        windows[1].followers_before = windows[2].followers
    return found


def _sum(accs: list[_Acc]) -> _Acc:
    total = _Acc()
    for acc in accs:
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(acc, name))
    return total


@strawberry.type
class Query:
    @strawberry.field(description="The period's totals and the period before's.")
    async def social_overview(
        self,
        info: Info,
        range: SocialRange = SocialRange.DAYS_30,
        platforms: list[SocialPlatform] | None = None,
    ) -> SocialComparison:
        params = _params(info, range, platforms)
        found = await _by_platform(info, params)
        end = params["end"]
        return SocialComparison(
            start_date=end - dt.timedelta(days=range.value - 1),
            end_date=end,
            current=_sum([w[0] for w in found.values()]).totals(),
            previous=_sum([w[1] for w in found.values()]).totals(),
        )

    @strawberry.field(description="Per platform with any data: totals, content type, time.")
    async def social_platform_stats(
        self,
        info: Info,
        range: SocialRange = SocialRange.DAYS_30,
        platforms: list[SocialPlatform] | None = None,
    ) -> list[SocialPlatformStats]:
        params = _params(info, range, platforms)
        found = await _by_platform(info, params)
        async with info.context.reads() as session:
            content = {
                row[0]: (row[1], row[2]) for row in await session.execute(text(_CONTENT), params)
            }
        order = [p.value for p in SocialPlatform]
        stats = []
        for platform in sorted(set(found) | set(content), key=order.index):
            windows = found.get(platform) or [_Acc(), _Acc(), _Acc()]
            top, hour = content.get(platform, (None, None))
            stats.append(
                SocialPlatformStats(
                    platform=platform,
                    current=windows[0].totals(),
                    previous=windows[1].totals(),
                    top_content_type=top,
                    best_posting_time=f"{int(hour):02d}:00" if hour is not None else None,
                )
            )
        return stats

    @strawberry.field(description="The period's days that have metrics, oldest first.")
    async def social_trends(
        self,
        info: Info,
        range: SocialRange = SocialRange.DAYS_30,
        platforms: list[SocialPlatform] | None = None,
    ) -> list[SocialDay]:
        params = _params(info, range, platforms)
        async with info.context.reads() as session:
            rows = (await session.execute(text(_TRENDS), params)).all()
        return [
            SocialDay(
                date=r[0],
                reach=int(r[1]),
                engagement=int(r[2]),
                followers=int(r[3]),
                posts=int(r[4]),
            )
            for r in rows
        ]
