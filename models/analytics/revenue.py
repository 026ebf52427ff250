"""Revenue, subscriptions and the conversion funnel (spec 000 section 5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import (
    REVENUE_COLUMNS,
    hourly_ranges,
    hourly_series,
    one,
    revenue_of,
    rows,
)
from models.analytics.window import Frame, Window, buckets, growth, money, pct, ratio

KINDS = ("subscription", "point_purchase", "tip")
RETENTION_MONTHS = (1, 3, 6, 12)
ENGAGED_MESSAGES = 10


async def revenue_summary(session: AsyncSession, window: Window) -> dict[str, Any]:
    frame = window.frame
    everything = frame.last_days(None)
    columns = REVENUE_COLUMNS + [f"count_{k}" for k in KINDS]
    sums = await hourly_ranges(
        session,
        frame,
        columns,
        {
            "all": (everything.start, everything.end),
            "now": (window.start, window.end),
            "before": (window.previous().start, window.previous().end),
        },
    )
    people = await one(
        session,
        "SELECT (SELECT coalesce(sum(users), 0) FROM platform_user_facets "
        "WHERE workspace_id = :ws AND facet = 'all') AS users, "
        "(SELECT coalesce(sum(users), 0) FROM platform_segment_cells WHERE workspace_id = :ws "
        "AND band = 'paid') "
        "AS paying, (SELECT count(*) FROM subscriptions WHERE workspace_id = :ws "
        "AND status = 'active') AS subscribers",
        ws=frame.workspace_id,
    )
    total, now = revenue_of(sums["all"]), revenue_of(sums["now"])
    return {
        "total_revenue": money(total),
        "period_revenue": money(now),
        "revenue_growth_rate": growth(now, revenue_of(sums["before"])),
        "average_revenue_per_user": money(ratio(total, people.users, 4)),
        "average_revenue_per_paying_user": money(ratio(total, people.paying, 4)),
        "breakdown": [
            {
                "type": k,
                "total": money(sums["now"][f"revenue_{k}"]),
                "percentage": pct(float(sums["now"][f"revenue_{k}"]), now),
                "count": sums["now"][f"count_{k}"],
            }
            for k in KINDS
        ],
        "active_subscribers": people.subscribers,
        "currency": "USD",
    }


async def revenue_timeline(
    session: AsyncSession, window: Window, granularity: str
) -> dict[str, Any]:
    series = await hourly_series(session, window, granularity, REVENUE_COLUMNS)
    by_kind = {k: [money(v) for v in series[f"revenue_{k}"]] for k in KINDS}
    return {
        "buckets": buckets(window, granularity),
        "total": [money(sum(values)) for values in zip(*by_kind.values(), strict=True)],
        **by_kind,
    }


_MONTHLY = "t.price / t.interval_months"


async def subscriptions(session: AsyncSession, window: Window) -> dict[str, Any]:
    frame, week = window.frame, window.frame.last_days(7)
    head = await one(
        session,
        """
SELECT count(*) FILTER (WHERE s.status = 'active') AS active,
  count(*) FILTER (WHERE s.created_at >= :ws_start) AS new_week,
  count(*) FILTER (WHERE s.cancelled_at >= :ws_start) AS cancelled_week,
  count(*) FILTER (WHERE s.cancelled_at >= :p_start AND s.cancelled_at < :p_end)
    AS cancelled_period,
  count(*) FILTER (WHERE s.created_at < :p_start
    AND (s.cancelled_at IS NULL OR s.cancelled_at >= :p_start)
    AND (s.ends_at IS NULL OR s.ends_at >= :p_start)) AS active_at_start
FROM subscriptions s WHERE s.workspace_id = :ws
""",
        ws=frame.workspace_id,
        ws_start=week.start,
        p_start=window.start,
        p_end=window.end,
    )
    tiers = await rows(
        session,
        f"""
SELECT t.name, {_MONTHLY} AS monthly, count(s.id) AS n FROM subscription_tiers t
LEFT JOIN subscriptions s ON s.workspace_id = t.workspace_id AND s.tier_id = t.id
  AND s.status = 'active'
WHERE t.workspace_id = :ws GROUP BY t.id, t.name, t.price, t.interval_months ORDER BY 2, 1
""",
        ws=frame.workspace_id,
    )
    mrr = sum(float(t.monthly) * t.n for t in tiers)
    retention: dict[str, float | None] = {}
    for months in RETENTION_MONTHS:
        row = await one(
            session,
            """
SELECT count(*) AS eligible, count(*) FILTER (WHERE
  coalesce(cancelled_at, 'infinity') >= due AND coalesce(ends_at, 'infinity') >= due) AS kept
FROM (SELECT cancelled_at, ends_at, created_at + make_interval(months => CAST(:m AS int)) AS due
      FROM subscriptions WHERE workspace_id = :ws) s
WHERE due <= :now
""",
            ws=frame.workspace_id,
            m=months,
            now=frame.now,
        )
        retention[f"month{months}"] = pct(row.kept, row.eligible) if row.eligible else None
    return {
        "active_subscriptions": head.active,
        "new_subscriptions_this_week": head.new_week,
        "cancelled_this_week": head.cancelled_week,
        "churn_rate": pct(head.cancelled_period, head.active_at_start),
        "net_growth": head.new_week - head.cancelled_week,
        "monthly_recurring_revenue": money(mrr),
        "average_subscription_value": money(ratio(mrr, head.active, 4)),
        "by_tier": [
            {
                "tier": t.name,
                "subscribers": t.n,
                "revenue": money(float(t.monthly) * t.n),
                "price": money(t.monthly),
            }
            for t in tiers
        ],
        "retention": retention,
    }


async def conversions(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    row = await one(
        session,
        f"""
SELECT (SELECT coalesce(max(value), 0) FROM platform_counters WHERE workspace_id = :ws
          AND name = 'visitors') AS visitors,
  count(*) AS registered,
  count(*) FILTER (WHERE s.messages > 0) AS activated,
  count(*) FILTER (WHERE s.messages >= {ENGAGED_MESSAGES}) AS engaged,
  count(*) FILTER (WHERE s.revenue > 0) AS paying,
  avg(extract(epoch FROM s.first_purchase_at - u.created_at)) / 86400 AS to_purchase,
  avg(extract(epoch FROM sub.first - s.first_message_at) / 86400)
    FILTER (WHERE sub.first >= s.first_message_at) AS chat_to_sub
FROM platform_users u
LEFT JOIN platform_user_stats s ON s.workspace_id = u.workspace_id AND s.user_id = u.id
LEFT JOIN (SELECT user_id, min(created_at) AS first FROM subscriptions WHERE workspace_id = :ws
           GROUP BY user_id) sub ON sub.user_id = u.id
WHERE u.workspace_id = :ws AND NOT u.is_temporary
""",
        ws=frame.workspace_id,
    )
    return {
        "visitors": row.visitors,
        "registered": row.registered,
        "activated": row.activated,
        "engaged": row.engaged,
        "paying": row.paying,
        "days_to_first_purchase": None if row.to_purchase is None else float(row.to_purchase),
        "days_from_first_chat_to_subscription": (
            None if row.chat_to_sub is None else float(row.chat_to_sub)
        ),
    }
