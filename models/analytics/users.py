"""User statistics, growth, retention and segments (spec 000 section 2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import distinct_series, hourly_series, hourly_sums, one, rows
from models.analytics.window import Frame, Window, buckets, growth, money, pct

RETENTION_DAYS = (1, 7, 14, 30)
COHORT_LENGTH = {"daily": 1, "weekly": 7, "monthly": 30}
COHORT_CELLS = {"daily": 7, "weekly": 4, "monthly": 3}


async def user_stats(session: AsyncSession, window: Window) -> dict[str, Any]:
    params = {"ws": window.frame.workspace_id}
    registered_in = "u.created_at >= :start AND u.created_at < :end"
    params |= {"start": window.start, "end": window.end}
    head = await one(
        session,
        "SELECT count(*) AS total, count(*) FILTER (WHERE NOT u.is_temporary) AS registered, "
        "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.workspace_id = "
        "u.workspace_id AND s.user_id = u.id AND s.status = 'active')) AS premium, "
        "count(c.id) AS creators FROM platform_users u LEFT JOIN creators c "
        "ON c.workspace_id = u.workspace_id AND c.id = u.id "
        f"WHERE u.workspace_id = :ws AND {registered_in}",
        **params,
    )

    async def split(column: str) -> list[dict[str, Any]]:
        found = await rows(
            session,
            f"SELECT coalesce(u.{column}, 'unknown') AS k, count(*) AS n FROM platform_users u "
            f"WHERE u.workspace_id = :ws AND {registered_in} GROUP BY 1 ORDER BY 2 DESC, 1",
            **params,
        )
        return [{"key": r.k, "count": r.n, "percentage": pct(r.n, head.total)} for r in found]

    return {
        "total_users": head.total,
        "registered_users": head.registered,
        "temporary_users": head.total - head.registered,
        "premium_users": head.premium,
        "creator_accounts": head.creators,
        "by_language": await split("language"),
        "by_gender": await split("gender"),
        "generated_at": window.frame.now,
    }


async def user_growth(session: AsyncSession, window: Window, granularity: str) -> dict[str, Any]:
    frame = window.frame
    new = (await hourly_series(session, window, granularity, ["new_users"]))["new_users"]
    active = await distinct_series(session, window, granularity, "platform_user_days", "user_id")
    conversions = await _first_subscription_series(session, window, granularity)
    previous = window.previous()
    before = await hourly_sums(session, frame, previous.start, previous.end, ["new_users"])
    return {
        "buckets": buckets(window, granularity),
        "new_users": new,
        "active_users": active,
        "premium_conversions": conversions,
        "growth_rate": growth(sum(new), before["new_users"]),
    }


async def _first_subscription_series(
    session: AsyncSession, window: Window, granularity: str
) -> list[int]:
    """Users whose first subscription started in each bucket."""
    trunc = "day" if granularity == "hour" else granularity
    found = await rows(
        session,
        f"SELECT date_trunc('{trunc}', first AT TIME ZONE :tz)::date AS b, count(*) AS n FROM "
        "(SELECT user_id, min(created_at) AS first FROM subscriptions WHERE workspace_id = :ws "
        "GROUP BY user_id) f WHERE first >= :start AND first < :end GROUP BY 1",
        ws=window.frame.workspace_id,
        tz=window.frame.tz_name,
        start=window.start,
        end=window.end,
    )
    by_key = {r.b.isoformat(): r.n for r in found}
    return [by_key.get(key, 0) for key in buckets(window, granularity)]


# Each user's local registration day, and the local days they were active.
_REGISTERED = """
WITH reg AS (
  SELECT id AS user_id, (created_at AT TIME ZONE :tz)::date AS day FROM platform_users
  WHERE workspace_id = :ws AND created_at >= :start AND created_at < :end
)
"""


async def retention(session: AsyncSession, window: Window, cohort: str) -> dict[str, Any]:
    frame = window.frame
    params = {
        "ws": frame.workspace_id,
        "tz": frame.tz_name,
        "start": window.start,
        "end": window.end,
        "today": frame.today,
    }
    rates = {}
    for n in RETENTION_DAYS:
        row = await one(
            session,
            _REGISTERED + "SELECT count(*) AS eligible, count(a.user_id) AS kept FROM reg r "
            "LEFT JOIN platform_user_days a ON a.workspace_id = :ws AND a.user_id = r.user_id "
            "AND a.day = r.day + CAST(:n AS int) WHERE r.day + CAST(:n AS int) <= :today",
            n=n,
            **params,
        )
        rates[f"day{n}"] = pct(row.kept, row.eligible)
    length, cells = COHORT_LENGTH[cohort], COHORT_CELLS[cohort]
    found = await rows(
        session,
        _REGISTERED + "SELECT r.day, r.user_id, array_remove(array_agg(a.day - r.day), NULL) AS "
        "offsets FROM reg r LEFT JOIN platform_user_days a ON a.workspace_id = :ws "
        "AND a.user_id = r.user_id AND a.day > r.day GROUP BY 1, 2",
        **params,
    )
    cohorts: dict[Any, dict[str, Any]] = {}
    for r in found:
        start = _cohort_start(r.day, cohort)
        entry = cohorts.setdefault(
            start, {"start": start, "users": 0, "active": [set() for _ in range(cells)]}
        )
        entry["users"] += 1
        for offset in r.offsets:
            k = offset // length
            if 1 <= k <= cells:
                entry["active"][k - 1].add(r.user_id)
    table = []
    for start in sorted(cohorts):
        entry = cohorts[start]
        values = [
            len(active) if r_started(start, k, length, frame.today) else None
            for k, active in enumerate(entry["active"], start=1)
        ]
        table.append({"start": start.isoformat(), "start_users": entry["users"], "cells": values})
    return {"retention": rates, "churn": await _churn(session, frame), "cohorts": table}


def r_started(cohort_start: Any, k: int, length: int, today: Any) -> bool:
    return cohort_start + timedelta(days=k * length) <= today


def _cohort_start(day: Any, cohort: str) -> Any:
    if cohort == "weekly":
        return day - timedelta(days=day.weekday())
    if cohort == "monthly":
        return day.replace(day=1)
    return day


async def _churn(session: AsyncSession, frame: Frame) -> dict[str, float]:
    result = {}
    for name, days in (("this_week", 7), ("this_month", 30)):
        now, before = frame.last_days(days), frame.last_days(days).previous()
        row = await one(
            session,
            "SELECT count(*) AS was, count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM "
            "platform_user_days n WHERE n.workspace_id = :ws AND n.user_id = p.user_id AND "
            "n.day BETWEEN :f AND :l)) AS gone FROM (SELECT DISTINCT user_id FROM "
            "platform_user_days WHERE workspace_id = :ws AND day BETWEEN :pf AND :pl) p",
            ws=frame.workspace_id,
            f=now.first,
            l=now.last,
            pf=before.first,
            pl=before.last,
        )
        result[name] = pct(row.gone, row.was)
    return result


SEGMENTS = (
    (
        "power",
        "Power Users",
        "Users with 100+ messages and active in last 7 days",
        "s.messages >= 100 AND u.last_active_at >= :d7",
    ),
    (
        "regular",
        "Regular Users",
        "Users with 10-100 messages and active in last 30 days",
        "s.messages BETWEEN 10 AND 99 AND u.last_active_at >= :d30",
    ),
    ("new", "New Users", "Users registered in last 7 days", "u.created_at >= :d7"),
    (
        "dormant",
        "Dormant Users",
        "Users inactive for 30+ days",
        "coalesce(u.last_active_at, u.created_at) < :d30",
    ),
    (
        "premium",
        "Premium Users",
        "Users with active subscription",
        "EXISTS (SELECT 1 FROM subscriptions p WHERE p.workspace_id = u.workspace_id "
        "AND p.user_id = u.id AND p.status = 'active')",
    ),
)


async def segments(session: AsyncSession, frame: Frame) -> list[dict[str, Any]]:
    parts = ", ".join(
        f"count(*) FILTER (WHERE {cond}) AS {key}_n, "
        f"coalesce(sum(s.revenue) FILTER (WHERE {cond}), 0) AS {key}_r"
        for key, _, _, cond in SEGMENTS
    )
    row = await one(
        session,
        f"SELECT count(*) AS total, {parts} FROM platform_users u LEFT JOIN platform_user_stats s "
        "ON s.workspace_id = u.workspace_id AND s.user_id = u.id WHERE u.workspace_id = :ws",
        ws=frame.workspace_id,
        d7=frame.last_days(7).start,
        d30=frame.last_days(30).start,
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
