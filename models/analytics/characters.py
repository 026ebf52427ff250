"""Character statistics, top lists, categories and engagement (spec 000 section 3)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics import window_totals
from models.analytics.sql import (
    character_facets,
    characters_count,
    distinct_active,
    distinct_series,
    early,
    hourly_ranges,
    hourly_series,
    hourly_sums,
    ranked,
    rows,
    together,
)
from models.analytics.window import Frame, Window, buckets, growth, pct, ratio
from models.analytics.window_totals import METRICS

# Each sort's scores, for the characters that have one above 0 in the window.
_DAY_SUM = (
    "SELECT character_id AS id, sum({c}) AS score FROM character_days WHERE workspace_id = :ws "
    "AND day BETWEEN :first AND :last GROUP BY 1 HAVING sum({c}) > 0"
)
SORTS = {
    "messages": _DAY_SUM.format(c="messages"),
    "favorites": _DAY_SUM.format(c="favorites"),
    "images": _DAY_SUM.format(c="images"),
    # Users active with the character in the window: their last message falls in it.
    "users": "SELECT character_id AS id, count(*) AS score FROM character_user_stats "
    "WHERE workspace_id = :ws AND last_message_at >= :start GROUP BY 1",
}
NSFW = {"all": "TRUE", "true": "c.is_nsfw", "false": "NOT c.is_nsfw"}


async def character_stats(session: AsyncSession, window: Window) -> dict[str, Any]:
    frame = window.frame
    week, month = frame.last_days(7), frame.last_days(30)
    ranges = {"week": (week.start, week.end), "month": (month.start, month.end)}
    if not window.is_all_time:
        ranges |= {"now": (window.start, window.end)}
        ranges |= {"before": (window.previous().start, window.previous().end)}
    facets, sums = await together(
        session,
        character_facets(session, frame, ["all", "public", "nsfw", "gender"]),
        hourly_ranges(session, frame, ["new_characters"], ranges),
    )
    total, public = facets["all"].get("", 0), facets["public"].get("", 0)
    nsfw, female = facets["nsfw"].get("", 0), facets["gender"].get("female", 0)
    male = facets["gender"].get("male", 0)
    rate = 0.0
    if not window.is_all_time:
        rate = growth(sums["now"]["new_characters"], sums["before"]["new_characters"])
    return {
        "total": total,
        "public": public,
        "private": total - public,
        "nsfw": nsfw,
        "sfw": total - nsfw,
        "female": female,
        "male": male,
        "other": total - female - male,
        "new_this_week": sums["week"]["new_characters"],
        "new_this_month": sums["month"]["new_characters"],
        "growth_rate": rate,
    }


async def top_characters(
    session: AsyncSession, window: Window, *, sort_by: str, limit: int, page: int, nsfw: str
) -> dict[str, Any]:
    frame = window.frame
    previous, week = window.previous(), frame.last_days(7)
    params = {
        "ws": frame.workspace_id,
        "first": window.first,
        "last": window.last,
        "start": window.start,
        "limit": limit,
        "offset": (page - 1) * limit,
        "reach": page * limit,  # rows each ranked part may contribute to this page
    }
    # The count does not depend on the page: it runs while the page is read.
    counting = early(session, characters_count(session, frame, nsfw))
    # Only characters with a score are ranked; the rest (score 0) follow in id order, read
    # from the primary key just as far as the page needs. (Their test is a scalar subquery,
    # one primary-key probe per character read: as NOT EXISTS the planner may make it an
    # anti join that rescans every scored character for each character read.)
    if sort_by in METRICS and await window_totals.usable(session, window):
        params["days"] = window.days
        metric = sort_by
        ranked = f"""
    (SELECT t.character_id AS id, t.{metric} AS score FROM character_window_totals t
     JOIN characters c ON c.workspace_id = :ws AND c.id = t.character_id
     WHERE t.workspace_id = :ws AND t.days = :days AND t.{metric} > 0 AND {NSFW[nsfw]}
     ORDER BY t.{metric} DESC, t.character_id LIMIT :reach)
    UNION ALL
    (SELECT c.id, 0 FROM characters c WHERE c.workspace_id = :ws AND {NSFW[nsfw]}
     AND NOT coalesce((SELECT t.{metric} > 0 FROM character_window_totals t
       WHERE t.workspace_id = :ws AND t.days = :days AND t.character_id = c.id), FALSE)
     ORDER BY c.id LIMIT :reach)"""
    else:
        ranked = f"""
    (SELECT s.id, s.score FROM ({SORTS[sort_by]}) s
     JOIN characters c ON c.workspace_id = :ws AND c.id = s.id
     WHERE {NSFW[nsfw]} ORDER BY s.score DESC, s.id LIMIT :reach)
    UNION ALL
    (SELECT c.id, 0 FROM characters c WHERE c.workspace_id = :ws AND {NSFW[nsfw]}
     AND c.id NOT IN (SELECT id FROM ({SORTS[sort_by]}) s) ORDER BY c.id LIMIT :reach)"""
    # The page's extras, from per-character totals kept by ingestion, in the same statement:
    # messages this week and new users (first message to the character) in the period and
    # the previous one from character_days, the average session from character_stats. All
    # time has no previous period (growth 0.0), so its new users are not needed.
    all_time = window.is_all_time
    found = await rows(
        session,
        f"""
WITH page AS (
  SELECT id, score FROM ({ranked}
  ) ranked ORDER BY score DESC, id LIMIT :limit OFFSET :offset
)
SELECT c.id, c.name, c.slug, c.image_url, c.creator_id, cr.username AS creator_name, c.category,
       c.tags, c.is_nsfw, c.created_at,
       coalesce(s.total_messages, 0) AS total_messages, coalesce(s.unique_users, 0) AS unique_users,
       coalesce(s.favorites, 0) AS favorites, coalesce(s.images_generated, 0) AS images_generated,
       CAST(s.session_seconds AS numeric) / nullif(s.sessions, 0) AS avg_seconds,
       d.week_messages, d.new_now, d.new_before
FROM page p JOIN characters c ON c.workspace_id = :ws AND c.id = p.id
LEFT JOIN character_stats s ON s.workspace_id = c.workspace_id AND s.character_id = c.id
LEFT JOIN creators cr ON cr.workspace_id = c.workspace_id AND cr.id = c.creator_id
CROSS JOIN LATERAL (
  SELECT coalesce(sum(messages) FILTER (WHERE day BETWEEN :wf AND :wl), 0) AS week_messages,
    coalesce(sum(new_users) FILTER (WHERE day BETWEEN :first AND :last), 0) AS new_now,
    coalesce(sum(new_users) FILTER (WHERE day BETWEEN :pfirst AND :plast), 0) AS new_before
  FROM character_days WHERE workspace_id = :ws AND character_id = c.id
    AND day BETWEEN :lo AND :hi
) d
ORDER BY p.score DESC, p.id
""",
        **params,
        wf=week.first,
        wl=week.last,
        pfirst=previous.first,
        plast=previous.last,
        lo=week.first if all_time else min(previous.first, week.first),
        hi=max(window.last, week.last),
    )
    total = await counting
    return {
        "characters": [
            {
                **{
                    k: getattr(r, k)
                    for k in (
                        "id",
                        "name",
                        "slug",
                        "image_url",
                        "creator_id",
                        "creator_name",
                        "category",
                        "tags",
                        "is_nsfw",
                        "created_at",
                        "total_messages",
                        "unique_users",
                        "favorites",
                        "images_generated",
                    )
                },
                "average_session_minutes": ratio(float(r.avg_seconds or 0), 60),
                "messages_this_week": r.week_messages,
                "user_growth_rate": 0.0 if all_time else growth(r.new_now, r.new_before),
            }
            for r in found
        ],
        "total_characters": total,
        "page": page,
        "total_pages": math.ceil(total / limit),
    }


CATEGORY_NAMES = {"scifi": "Sci-Fi", "sci-fi": "Sci-Fi", "sci_fi": "Sci-Fi"}
TOP_CATEGORIES, TOP_TAGS = 5, 10


async def categories(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    facets = await character_facets(session, frame, ["all", "category", "tag"])
    total = facets["all"].get("", 0)
    named = ranked(facets["category"])[:TOP_CATEGORIES]
    other = total - sum(n for _, n in named)
    listed = [(CATEGORY_NAMES.get(k, k.title()), n) for k, n in named]
    if other:
        listed.append(("Other", other))
    tags = ranked(facets["tag"])[:TOP_TAGS]
    return {
        "categories": [{"name": n, "count": c, "percentage": pct(c, total)} for n, c in listed],
        "top_tags": [{"tag": tag, "count": n} for tag, n in tags],
    }


async def character_engagement(
    session: AsyncSession, window: Window, granularity: str
) -> dict[str, Any]:
    frame = window.frame
    series, active, pairs, sums, characters, active_pairs = await together(
        session,
        hourly_series(session, window, granularity, ["new_characters", "messages"]),
        distinct_series(session, window, granularity, "character"),
        distinct_series(session, window, granularity, "character_user"),
        hourly_sums(session, frame, window.start, window.end, ["character_sessions"]),
        characters_count(session, frame, "all"),
        # Pairs active from the window's first day on (a pair's last message falls in it).
        distinct_active(session, frame, "character_user", window.first, frame.today),
    )
    sessions = sums["character_sessions"]
    return {
        "buckets": buckets(window, granularity),
        "new_characters": series["new_characters"],
        "messages_per_character": [
            ratio(m, a) for m, a in zip(series["messages"], active, strict=True)
        ],
        "unique_users_per_character": [ratio(p, a) for p, a in zip(pairs, active, strict=True)],
        "average_messages_per_character": ratio(sum(series["messages"]), characters),
        "average_users_per_character": ratio(active_pairs, characters),
        "average_sessions_per_character": ratio(sessions, characters),
    }
