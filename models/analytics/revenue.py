"""Revenue, subscriptions and the conversion funnel (spec 000 section 5)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import (
    REVENUE_COLUMNS,
    early,
    hourly_ranges,
    hourly_series,
    one,
    revenue_of,
    rows,
    together,
)
from models.analytics.window import Frame, Window, buckets, growth, money, money_ratio, pct
from models.platform_rollups import RETENTION_DUE, RETENTION_KEPT, RETENTION_MONTHS

KINDS = ("subscription", "point_purchase", "tip")
# Active subscriptions, all tiers (a subquery).
_ACTIVE = (
    "SELECT coalesce(sum(active), 0) FROM platform_tier_subscriptions WHERE workspace_id = :ws"
)


async def revenue_summary(session: AsyncSession, window: Window) -> dict[str, Any]:
    frame = window.frame
    everything = frame.last_days(None)
    columns = REVENUE_COLUMNS + [f"count_{k}" for k in KINDS]
    sums, people = await together(
        session,
        hourly_ranges(
            session,
            frame,
            columns,
            {
                "all": (everything.start, everything.end),
                "now": (window.start, window.end),
                "before": (window.previous().start, window.previous().end),
            },
        ),
        one(
            session,
            "SELECT (SELECT coalesce(sum(users), 0) FROM platform_user_facets "
            "WHERE workspace_id = :ws AND facet = 'all') AS users, "
            "(SELECT coalesce(sum(users), 0) FROM platform_segment_cells WHERE workspace_id = :ws "
            "AND band = 'paid') AS paying, "
            f"({_ACTIVE}) AS subscribers",
            ws=frame.workspace_id,
        ),
    )
    total, now = revenue_of(sums["all"]), revenue_of(sums["now"])
    return {
        "total_revenue": money(total),
        "period_revenue": money(now),
        "revenue_growth_rate": growth(now, revenue_of(sums["before"])),
        "average_revenue_per_user": money_ratio(total, people.users),
        "average_revenue_per_paying_user": money_ratio(total, people.paying),
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
    """Read from platform_subscription_days (local days of starts, cancellations and ends),
    platform_tier_subscriptions and platform_subscription_retention: days and tiers, not
    subscriptions (gateway/ingestion/subscription_rollups.py)."""
    frame, week = window.frame, window.frame.last_days(7)
    # The tiers and the retention run while the head is read.
    tiering = early(
        session,
        rows(
            session,
            f"""
SELECT t.name, {_MONTHLY} AS monthly, coalesce(c.active, 0) AS n FROM subscription_tiers t
LEFT JOIN platform_tier_subscriptions c ON c.workspace_id = t.workspace_id AND c.tier_id = t.id
WHERE t.workspace_id = :ws ORDER BY 2, 1
""",
            ws=frame.workspace_id,
        ),
    )
    keeping = early(session, _retention(session, frame))
    head = await one(
        session,
        f"""
SELECT ({_ACTIVE}) AS active,
  coalesce(sum(subscriptions) FILTER (WHERE kind = 'created' AND day >= :w_first), 0)
    AS new_week,
  coalesce(sum(subscriptions) FILTER (WHERE kind = 'cancelled' AND day >= :w_first), 0)
    AS cancelled_week,
  coalesce(sum(subscriptions) FILTER (WHERE kind = 'gone'
    AND day BETWEEN :p_first AND :p_last), 0) AS ended_period,
  coalesce(sum(subscriptions) FILTER (WHERE kind = 'created' AND day <= :p_last), 0)
    - coalesce(sum(subscriptions) FILTER (WHERE kind = 'gone' AND day < :p_first), 0)
    AS at_risk
FROM platform_subscription_days WHERE workspace_id = :ws
""",
        ws=frame.workspace_id,
        w_first=week.first,
        p_first=window.first,
        p_last=window.last,
    )
    tiers = await tiering
    mrr = sum(float(t.monthly) * t.n for t in tiers)
    kept = await keeping
    retention: dict[str, float | None] = {
        f"month{m}": pct(*kept[m]) if kept[m][1] else None for m in RETENTION_MONTHS
    }
    return {
        "active_subscriptions": head.active,
        "new_subscriptions_this_week": head.new_week,
        "cancelled_this_week": head.cancelled_week,
        # Ended in the period (cancelled or expired) of those active at its start or started
        # in it: a subscription's end day is never before its start day, so every one that
        # ended is among them and the rate lies in 0-100.
        "churn_rate": pct(head.ended_period, head.at_risk),
        "net_growth": head.new_week - head.cancelled_week,
        "monthly_recurring_revenue": money(mrr),
        "average_subscription_value": money_ratio(mrr, head.active),
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


async def _retention(session: AsyncSession, frame: Frame) -> dict[int, tuple[int, int]]:
    """(kept, eligible) per N: subscriptions whose month-N due time (created_at + N months)
    has come, and those of them neither cancelled nor ended before it. Due days before
    today (UTC) come from the cells; today's, where `now` cuts the day, from the raw rows
    created N months before it, through the created_at index: due >= midnight means
    created_at >= midnight - N months, and due <= now means created_at <= now - N months,
    give or take a day for the session's timezone, or 3 more near a month's end, where
    month ends clamp (Jan 29-31 + 1 month are all Feb 29)."""
    midnight = datetime.combine(frame.now.astimezone(UTC).date(), time(), tzinfo=UTC)
    slack = 4 if frame.now.astimezone(UTC).day in (27, 28, 29, 30, 31, 1) else 1
    found = await rows(
        session,
        f"""
SELECT months, sum(subscriptions) AS eligible, sum(kept) AS kept FROM (
  SELECT months, subscriptions, kept FROM platform_subscription_retention
  WHERE workspace_id = :ws AND due_on < CAST(:today AS date)
  UNION ALL
  SELECT m.months, 1, CASE WHEN b.kept THEN 1 ELSE 0 END
  FROM unnest(CAST(:months AS int[])) AS m(months)
  CROSS JOIN LATERAL (
    SELECT {RETENTION_DUE} AS due, {RETENTION_KEPT.format(due=RETENTION_DUE)} AS kept
    FROM subscriptions s
    WHERE s.workspace_id = :ws
      AND s.created_at >= CAST(:midnight AS timestamptz)
        - make_interval(months => m.months, days => 1)
      AND s.created_at <= CAST(:now AS timestamptz)
        - make_interval(months => m.months, days => -CAST(:slack AS int))
  ) b
  WHERE b.due >= :midnight AND b.due <= :now
) c GROUP BY months
""",
        ws=frame.workspace_id,
        today=midnight.date(),
        months=list(RETENTION_MONTHS),
        midnight=midnight,
        now=frame.now,
        slack=slack,
    )
    by_months = {r.months: (int(r.kept), int(r.eligible)) for r in found}
    return {m: by_months.get(m, (0, 0)) for m in RETENTION_MONTHS}


async def conversions(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    """The funnel's places in platform_segment_cells (registered users only): counts, and
    the sums behind the two averages."""
    row = await one(
        session,
        """
SELECT (SELECT coalesce(max(value), 0) FROM platform_counters WHERE workspace_id = :ws
          AND name = 'visitors') AS visitors,
  coalesce(sum(users) FILTER (WHERE band = 'f_reg'), 0) AS registered,
  coalesce(sum(users) FILTER (WHERE band = 'f_act'), 0) AS activated,
  coalesce(sum(users) FILTER (WHERE band = 'f_eng'), 0) AS engaged,
  coalesce(sum(users) FILTER (WHERE band = 'f_pay'), 0) AS paying,
  sum(measure) FILTER (WHERE band = 'f_buy')
    / nullif(sum(users) FILTER (WHERE band = 'f_buy'), 0) / 86400 AS to_purchase,
  sum(measure) FILTER (WHERE band = 'f_sub')
    / nullif(sum(users) FILTER (WHERE band = 'f_sub'), 0) AS chat_to_sub
FROM platform_segment_cells
WHERE workspace_id = :ws AND band IN ('f_reg', 'f_act', 'f_eng', 'f_pay', 'f_buy', 'f_sub')
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
