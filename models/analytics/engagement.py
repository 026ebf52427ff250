"""Messages, images, sessions and favorites (spec 000 section 4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics import window_totals
from models.analytics.sql import (
    characters_count,
    distinct_active,
    hourly_ranges,
    hourly_series,
    one,
    rows,
    together,
)
from models.analytics.window import Window, buckets, growth, pct, ratio, whole_ratio

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DEVICES = ("mobile", "desktop", "tablet")
TOP = 5


def _everything(window: Window) -> tuple[Any, Any]:
    return window.frame.midnight(window.frame.last_days(None).first), window.end


async def _users_with(session: AsyncSession, window: Window, kind: str) -> int:
    """Users who sent at least one message (kind "user_messages") or generated an image in
    the window."""
    return await distinct_active(session, window.frame, kind, window.first, window.last)


async def messages(session: AsyncSession, window: Window, granularity: str) -> dict[str, Any]:
    frame = window.frame
    sums, users, series, by_hour = await together(
        session,
        hourly_ranges(
            session,
            frame,
            ["messages", "user_messages", "sessions", "session_messages"],
            {"all": _everything(window), "now": (window.start, window.end)},
        ),
        _users_with(session, window, "user_messages"),
        hourly_series(session, window, granularity, ["messages"]),
        rows(
            session,
            "SELECT extract(hour FROM hour AT TIME ZONE :tz)::int AS h, "
            "extract(dow FROM hour AT TIME ZONE :tz)::int AS d, sum(messages) AS n "
            "FROM platform_hourly WHERE workspace_id = :ws AND hour >= :s AND hour < :e "
            "GROUP BY 1, 2",
            ws=frame.workspace_id,
            tz=frame.tz_name,
            s=window.start,
            e=window.end,
        ),
    )
    hours, weekdays = [0] * 24, [0] * 7
    for r in by_hour:
        hours[r.h] += r.n
        weekdays[r.d] += r.n
    peak = sorted(range(24), key=lambda h: (-hours[h], h))[:3]
    now = sums["now"]
    return {
        "total_messages": sums["all"]["messages"],
        "period_messages": now["messages"],
        "average_messages_per_day": ratio(now["messages"], window.days),
        # Messages users sent in the period, per user who sent one (docs/metrics.md).
        "average_messages_per_user": ratio(now["user_messages"], users),
        "average_messages_per_session": ratio(now["session_messages"], now["sessions"]),
        "buckets": buckets(window, granularity),
        "values": series["messages"],
        "peak_hours": [{"hour": h, "messages": hours[h]} for h in peak if hours[h]],
        "by_day_of_week": [{"day": DAYS[d], "messages": weekdays[d]} for d in range(7)],
    }


async def _top_characters(session: AsyncSession, window: Window, column: str) -> list[Any]:
    """The window totals when current, else character_days' window index; names are joined
    for the top few only."""
    if await window_totals.usable(session, window):
        totals = (
            f"SELECT character_id, {column} AS n FROM character_window_totals "
            f"WHERE workspace_id = :ws AND days = :days AND {column} > 0 "
            f"ORDER BY {column} DESC, character_id LIMIT {TOP}"
        )
    else:
        totals = (
            f"SELECT character_id, sum({column}) AS n FROM character_days WHERE workspace_id = :ws "
            f"AND day BETWEEN :f AND :l GROUP BY 1 HAVING sum({column}) > 0 "
            f"ORDER BY 2 DESC, 1 LIMIT {TOP}"
        )
    return await rows(
        session,
        f"SELECT c.id, c.name, c.image_url, t.n FROM ({totals}) t "
        "JOIN characters c ON c.workspace_id = :ws AND c.id = t.character_id ORDER BY 4 DESC, 1",
        ws=window.frame.workspace_id,
        f=window.first,
        l=window.last,
        days=window.days,
    )


async def images(session: AsyncSession, window: Window) -> dict[str, Any]:
    sums, users, series, top = await together(
        session,
        hourly_ranges(
            session,
            window.frame,
            ["images", "image_likes"],
            {"all": _everything(window), "now": (window.start, window.end)},
        ),
        _users_with(session, window, "user_images"),
        hourly_series(session, window, "day", ["images"]),
        _top_characters(session, window, "images"),
    )
    everything = sums["all"]
    return {
        "total_images_generated": everything["images"],
        "period_images": sums["now"]["images"],
        "average_images_per_day": ratio(sums["now"]["images"], window.days),
        "average_images_per_user": ratio(sums["now"]["images"], users),
        "buckets": buckets(window, "day"),
        "values": series["images"],
        "top_characters": [{"id": r.id, "name": r.name, "count": r.n} for r in top],
        "users_with_images": users,
        "total_image_likes": everything["image_likes"],
        "average_likes_per_image": ratio(everything["image_likes"], everything["images"]),
    }


_SESSION_COLUMNS = ["sessions", "session_seconds", "session_messages", "bounced_sessions"]


async def sessions(session: AsyncSession, window: Window) -> dict[str, Any]:
    columns = _SESSION_COLUMNS + [f"sessions_{d}" for d in DEVICES]
    sums, series = await together(
        session,
        hourly_ranges(session, window.frame, columns, {"now": (window.start, window.end)}),
        hourly_series(session, window, "day", ["sessions", "session_seconds"]),
    )
    now = sums["now"]
    return {
        "total_sessions": now["sessions"],
        "average_duration_seconds": whole_ratio(now["session_seconds"], now["sessions"]),
        "average_messages_per_session": ratio(now["session_messages"], now["sessions"]),
        "bounce_rate": pct(now["bounced_sessions"], now["sessions"]),
        "by_device": {d: pct(now[f"sessions_{d}"], now["sessions"]) for d in DEVICES},
        "buckets": buckets(window, "day"),
        "sessions": series["sessions"],
        "average_durations": [
            whole_ratio(s, n)
            for s, n in zip(series["session_seconds"], series["sessions"], strict=True)
        ],
    }


async def favorites(session: AsyncSession, window: Window) -> dict[str, Any]:
    frame, week = window.frame, window.frame.last_days(7)
    ranges = {"all": _everything(window), "week": (week.start, week.end)}
    if not window.is_all_time:
        ranges |= {"now": (window.start, window.end)}
        ranges |= {"before": (window.previous().start, window.previous().end)}
    sums, counts, top, characters = await together(
        session,
        hourly_ranges(session, frame, ["favorites"], ranges),
        one(
            session,
            "SELECT coalesce(max(value), 0) AS users FROM platform_counters "
            "WHERE workspace_id = :ws AND name = 'favoriting_users'",
            ws=frame.workspace_id,
        ),
        rows(
            session,
            "SELECT c.id, c.name, c.image_url, s.favorites AS n FROM character_stats s "
            "JOIN characters c ON c.workspace_id = s.workspace_id AND c.id = s.character_id "
            f"WHERE s.workspace_id = :ws AND s.favorites > 0 ORDER BY s.favorites DESC, c.id "
            f"LIMIT {TOP}",
            ws=frame.workspace_id,
        ),
        characters_count(session, frame),
    )
    total = sums["all"]["favorites"]
    rate = 0.0
    if not window.is_all_time:
        rate = growth(sums["now"]["favorites"], sums["before"]["favorites"])
    return {
        "total_favorites": total,
        "new_favorites_this_week": sums["week"]["favorites"],
        "average_favorites_per_user": ratio(total, counts.users),
        "average_favorites_per_character": ratio(total, characters),
        "top_characters": [
            {"id": r.id, "name": r.name, "count": r.n, "image_url": r.image_url} for r in top
        ],
        "favorite_growth_rate": rate,
    }
