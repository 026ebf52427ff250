"""User statistics, growth, retention and segments (spec 000 section 2)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import (
    distinct_active_ranges,
    distinct_series,
    hourly_ranges,
    hourly_series,
    hourly_sums,
    one,
    rows,
    together,
    user_facets,
)
from models.analytics.window import Frame, Window, buckets, growth, money, pct

RETENTION_DAYS = (1, 7, 14, 30)
COHORT_LENGTH = {"daily": 1, "weekly": 7, "monthly": 30}
COHORT_CELLS = {"daily": 7, "weekly": 4, "monthly": 3}


async def user_stats(session: AsyncSession, window: Window) -> dict[str, Any]:
    frame = window.frame
    facets, head = await together(
        session,
        user_facets(session, frame, ["all", "registered", "language", "gender"], window),
        # Premium users and creators among those registered in the window, by registration
        # day.
        one(
            session,
            "SELECT coalesce(sum(users) FILTER (WHERE band = 'prem_reg'), 0) AS premium, "
            "coalesce(sum(users) FILTER (WHERE band = 'creator'), 0) AS creators "
            "FROM platform_segment_cells WHERE workspace_id = :ws "
            "AND band IN ('prem_reg', 'creator') AND day BETWEEN :first AND :last",
            ws=frame.workspace_id,
            first=window.first,
            last=window.last,
        ),
    )
    total = facets["all"].get("", 0)
    registered = facets["registered"].get("", 0)

    def split(facet: str) -> list[dict[str, Any]]:
        merged: dict[str, int] = {}
        for value, n in facets[facet].items():
            key = value or "unknown"
            merged[key] = merged.get(key, 0) + n
        ordered = sorted(merged.items(), key=lambda p: (-p[1], p[0]))
        return [{"key": k, "count": n, "percentage": pct(n, total)} for k, n in ordered]

    return {
        "total_users": total,
        "registered_users": registered,
        "temporary_users": total - registered,
        "premium_users": head.premium,
        "creator_accounts": head.creators,
        "by_language": split("language"),
        "by_gender": split("gender"),
        "generated_at": frame.now,
    }


async def user_growth(session: AsyncSession, window: Window, granularity: str) -> dict[str, Any]:
    frame = window.frame
    previous = window.previous()
    series, active, before = await together(
        session,
        hourly_series(session, window, granularity, ["new_users", "first_subscriptions"]),
        distinct_series(session, window, granularity, "user"),
        hourly_sums(session, frame, previous.start, previous.end, ["new_users"]),
    )
    new = series["new_users"]
    return {
        "buckets": buckets(window, granularity),
        "new_users": new,
        "active_users": active,
        "premium_conversions": series["first_subscriptions"],
        "growth_rate": growth(sum(new), before["new_users"]),
    }


async def retention(session: AsyncSession, window: Window, cohort: str) -> dict[str, Any]:
    """Read from platform_retention_cells (who came back) and platform_hourly (who
    registered), so the cost depends on the window's days, not on its users."""
    frame = window.frame
    # Users whose day N has come: registered in the window up to N days before today.
    lasts = {n: min(window.last, frame.today - timedelta(days=n)) for n in RETENTION_DAYS}
    due = {n: last for n, last in lasts.items() if last >= window.first}
    eligible, kept, churn, cohorts = await together(
        session,
        hourly_ranges(
            session,
            frame,
            ["new_users"],
            {
                f"d{n}": (window.start, frame.midnight(last + timedelta(days=1)))
                for n, last in due.items()
            },
        ),
        _cells_totals(session, window, due),
        _churn(session, frame),
        _cohort_table(session, window, cohort),
    )
    # Day N no user registered in the period can have reached yet is unknown (null), not 0.
    rates = {
        f"day{n}": pct(kept.get(n, 0), eligible[f"d{n}"]["new_users"]) if n in due else None
        for n in RETENTION_DAYS
    }
    return {
        "retention": rates,
        "churn": churn,
        "cohorts": cohorts,
    }


async def _cells_totals(
    session: AsyncSession, window: Window, lasts: dict[int, Any]
) -> dict[int, int]:
    """Users back on exactly day N, of those registered from the window's first day to
    lasts[N], for every N at once."""
    if not lasts:
        return {}
    found = await rows(
        session,
        "SELECT k, sum(users) AS n FROM platform_retention_cells c "
        "JOIN unnest(CAST(:ks AS int[]), CAST(:lasts AS date[])) AS d(k, last) USING (k) "
        "WHERE c.workspace_id = :ws AND c.span = 1 "
        "AND c.registered_on BETWEEN :first AND d.last GROUP BY k",
        ws=window.frame.workspace_id,
        ks=list(lasts),
        lasts=list(lasts.values()),
        first=window.first,
    )
    return {r.k: int(r.n) for r in found}


async def _cohort_table(session: AsyncSession, window: Window, cohort: str) -> list[dict[str, Any]]:
    frame = window.frame
    length, cells = COHORT_LENGTH[cohort], COHORT_CELLS[cohort]
    granularity = {"daily": "day", "weekly": "week", "monthly": "month"}[cohort]
    sizes = (await hourly_series(session, window, granularity, ["new_users"]))["new_users"]
    starts = [date.fromisoformat(key) for key in buckets(window, granularity)]
    found = await rows(
        session,
        "SELECT registered_on, k, users FROM platform_retention_cells "
        "WHERE workspace_id = :ws AND span = :span AND k <= :cells "
        "AND registered_on BETWEEN :first AND :last",
        ws=frame.workspace_id,
        span=length,
        cells=cells,
        first=window.first,
        last=window.last,
    )
    returned: dict[Any, list[int]] = {start: [0] * cells for start in starts}
    for r in found:
        returned[_cohort_start(r.registered_on, cohort)][r.k - 1] += r.users
    earliest = await _earliest_registrations(session, window, cohort)
    return [
        {
            "start": start.isoformat(),
            "start_users": size,
            "cells": [
                value if _reached(earliest.get(start), k, length, frame.today) else None
                for k, value in enumerate(returned[start], start=1)
            ],
        }
        for start, size in zip(starts, sizes, strict=True)
        if size
    ]


async def _earliest_registrations(
    session: AsyncSession, window: Window, cohort: str
) -> dict[date, date]:
    """Per cohort, its first member's local registration day in the window (a cohort's
    bucket may start before the window, and its first member later than the bucket)."""
    found = await rows(
        session,
        "SELECT registered_on FROM platform_user_facets WHERE workspace_id = :ws "
        "AND facet = 'all' AND value = '' AND users > 0 AND registered_on BETWEEN :first AND :last",
        ws=window.frame.workspace_id,
        first=window.first,
        last=window.last,
    )
    earliest: dict[date, date] = {}
    for r in found:
        start = _cohort_start(r.registered_on, cohort)
        earliest[start] = min(earliest.get(start, r.registered_on), r.registered_on)
    return earliest


def _reached(first_member: date | None, k: int, length: int, today: date) -> bool:
    """Whether period k (days k*length..) has started for at least one member."""
    return first_member is not None and first_member + timedelta(days=k * length) <= today


def _cohort_start(day: Any, cohort: str) -> Any:
    if cohort == "weekly":
        return day - timedelta(days=day.weekday())
    if cohort == "monthly":
        return day.replace(day=1)
    return day


async def _churn(session: AsyncSession, frame: Frame) -> dict[str, float]:
    """Users active in the previous period but not in this one: those active over both
    periods together, less those active in this one."""
    ranges = {}
    for name, days in (("week", 7), ("month", 30)):
        now, before = frame.last_days(days), frame.last_days(days).previous()
        ranges |= {
            f"{name}_was": (before.first, before.last),
            f"{name}_either": (before.first, now.last),
            f"{name}_still": (now.first, now.last),
        }
    n = await distinct_active_ranges(session, frame, "user", ranges)
    return {
        f"this_{name}": pct(n[f"{name}_either"] - n[f"{name}_still"], n[f"{name}_was"])
        for name in ("week", "month")
    }


# Each segment as a condition on platform_segment_cells (local days; :d7 and :d30 are the
# first days of the last 7 and 30).
SEGMENTS = (
    (
        "power",
        "Power Users",
        "Users with 100+ messages and active in last 7 days",
        "band = 'ge100' AND day >= :d7",
    ),
    (
        # 10 or more messages, active in the last 30 days, and not a Power user: 100+ messages
        # last active 8-30 days ago are Regular (docs/metrics.md, Segments).
        "regular",
        "Regular Users",
        "Users with 10-100 messages and active in last 30 days",
        "(band = '10to99' AND day >= :d30) OR (band = 'ge100' AND day >= :d30 AND day < :d7)",
    ),
    ("new", "New Users", "Users registered in last 7 days", "band = 'reg' AND day >= :d7"),
    ("dormant", "Dormant Users", "Users inactive for 30+ days", "band = 'seen' AND day < :d30"),
    ("premium", "Premium Users", "Users with active subscription", "band = 'premium'"),
)


async def segments(session: AsyncSession, frame: Frame) -> list[dict[str, Any]]:
    parts = ", ".join(
        f"coalesce(sum(users) FILTER (WHERE {cond}), 0) AS {key}_n, "
        f"coalesce(sum(revenue) FILTER (WHERE {cond}), 0) AS {key}_r"
        for key, _, _, cond in SEGMENTS
    )
    row = await one(
        session,
        f"SELECT coalesce(sum(users) FILTER (WHERE band = 'reg'), 0) AS total, {parts} "
        "FROM platform_segment_cells WHERE workspace_id = :ws "
        "AND band IN ('ge100', '10to99', 'reg', 'seen', 'premium')",
        ws=frame.workspace_id,
        d7=frame.last_days(7).first,
        d30=frame.last_days(30).first,
    )
    values = row._mapping
    return [
        {
            "key": key,
            "name": name,
            "description": description,
            "count": values[f"{key}_n"],
            "percentage": pct(values[f"{key}_n"], row.total),
            "average_revenue": money(values[f"{key}_r"] / values[f"{key}_n"])
            if values[f"{key}_n"]
            else 0.0,
        }
        for key, name, description, _ in SEGMENTS
    ]
