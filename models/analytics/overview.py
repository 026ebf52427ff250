"""Dashboard summary (spec 000 1.1) and health (1.2)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import (
    REVENUE_COLUMNS,
    character_facets,
    distinct_active_ranges,
    hourly_ranges,
    one,
    revenue_of,
    together,
)
from models.analytics.window import Frame, growth, money, money_ratio, pct, ratio, whole_ratio

PROCESS_STARTED = time.monotonic()

_COLUMNS = [
    "new_users",
    "new_temporary_users",
    "new_characters",
    "messages",
    "user_messages",
    "images",
    "sessions",
    "session_seconds",
    *REVENUE_COLUMNS,
]


async def premium_users(session: AsyncSession, frame: Frame) -> int:
    row = await one(
        session,
        "SELECT coalesce(sum(users), 0) AS n FROM platform_segment_cells "
        "WHERE workspace_id = :ws AND band = 'premium'",
        ws=frame.workspace_id,
    )
    return int(row.n)


async def dashboard_summary(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    day, week, month = frame.last_days(1), frame.last_days(7), frame.last_days(30)
    everything = frame.last_days(None)
    sums, facets, premium, active = await together(
        session,
        hourly_ranges(
            session,
            frame,
            _COLUMNS,
            {
                "all": (everything.start, everything.end),
                "today": (day.start, day.end),
                "week": (week.start, week.end),
                "month": (month.start, month.end),
                "before": (month.previous().start, month.previous().end),
            },
        ),
        character_facets(session, frame, ["all", "public"]),
        premium_users(session, frame),
        distinct_active_ranges(
            session,
            frame,
            "user",
            {n: (w.first, w.last) for n, w in (("today", day), ("week", week), ("month", month))},
        ),
    )
    total, today, this_week, this_month, before = (
        sums[k] for k in ("all", "today", "week", "month", "before")
    )
    characters_total, characters_public = facets["all"].get("", 0), facets["public"].get("", 0)
    users = int(total["new_users"])
    revenue = revenue_of(total)
    return {
        "overview": {
            "total_users": users,
            "new_users_today": today["new_users"],
            "new_users_this_week": this_week["new_users"],
            "new_users_this_month": this_month["new_users"],
            "user_growth_rate": growth(this_month["new_users"], before["new_users"]),
            "active_users_today": active["today"],
            "active_users_this_week": active["week"],
            "monthly_active_users": active["month"],
        },
        "characters": {
            "total_characters": characters_total,
            "public_characters": characters_public,
            "private_characters": characters_total - characters_public,
            "new_characters_this_week": this_week["new_characters"],
            "character_growth_rate": growth(this_month["new_characters"], before["new_characters"]),
        },
        "engagement": {
            "total_messages": total["messages"],
            "messages_today": today["messages"],
            "messages_this_week": this_week["messages"],
            # All messages users sent, per user (registered and temporary): docs/metrics.md.
            "average_messages_per_user": ratio(total["user_messages"], users),
            "average_session_seconds": whole_ratio(total["session_seconds"], total["sessions"]),
            "total_images_generated": total["images"],
            "images_generated_today": today["images"],
        },
        "revenue": {
            "total_revenue": money(revenue),
            "revenue_today": money(revenue_of(today)),
            "revenue_this_week": money(revenue_of(this_week)),
            "revenue_this_month": money(revenue_of(this_month)),
            "revenue_growth_rate": growth(revenue_of(this_month), revenue_of(before)),
            "average_revenue_per_user": money_ratio(revenue, users),
            "premium_users": premium,
            "premium_conversion_rate": pct(premium, users),  # of all users, as spec 000 shows
        },
        "generated_at": frame.now,
    }


async def health(session: AsyncSession) -> dict[str, Any]:
    """Measured live, never cached."""
    started = time.perf_counter()
    try:
        row = await one(
            session,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()",
        )
    except Exception:  # the database is the thing being checked
        return {
            "status": "unhealthy",
            "database": "disconnected",
            "api_latency_ms": round((time.perf_counter() - started) * 1000),
            "active_connections": 0,
            "uptime_seconds": int(time.monotonic() - PROCESS_STARTED),
        }
    return {
        "status": "healthy",
        "database": "connected",
        "api_latency_ms": round((time.perf_counter() - started) * 1000),
        "active_connections": int(row.n),
        "uptime_seconds": int(time.monotonic() - PROCESS_STARTED),
    }
