"""Creators (spec 000 section 6)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import one, rows
from models.analytics.window import Frame, Window, money, ratio

SORTS = {
    "followers": "coalesce(s.followers, 0)",
    "characters": "coalesce(s.characters_count, 0)",
    "messages": "coalesce(s.total_messages, 0)",
    "earnings": "coalesce(s.earnings, 0)",
}
TOP = 5

# One page of creators, ranked on creator_stats alone; the per-creator extras (paying fans,
# top character) are then computed for that page only, not for every creator.
_CREATORS = """
WITH page AS (
  SELECT c.workspace_id, c.id, {sort} AS score FROM creators c
  LEFT JOIN creator_stats s ON s.workspace_id = c.workspace_id AND s.creator_id = c.id
  WHERE c.workspace_id = :ws ORDER BY 3 DESC, c.id LIMIT :limit OFFSET :offset
)
SELECT c.id, c.username, c.profile_url, c.is_verified, c.created_at,
  coalesce(s.followers, 0) AS followers, coalesce(s.characters_count, 0) AS characters_count,
  coalesce(s.total_messages, 0) AS total_messages, coalesce(s.total_images, 0) AS total_images,
  coalesce(s.earnings, 0) AS earnings,
  (SELECT count(DISTINCT t.user_id) FROM transactions t WHERE t.workspace_id = c.workspace_id
     AND t.creator_id = c.id AND t.status = 'completed' AND t.created_at >= :start
     AND t.created_at < :end) AS paying_fans,
  top.id AS top_id, top.name AS top_name, top.messages AS top_messages
FROM page p JOIN creators c ON c.workspace_id = p.workspace_id AND c.id = p.id
LEFT JOIN creator_stats s ON s.workspace_id = c.workspace_id AND s.creator_id = c.id
LEFT JOIN LATERAL (
  SELECT ch.id, ch.name, coalesce(cs.total_messages, 0) AS messages FROM characters ch
  LEFT JOIN character_stats cs ON cs.workspace_id = ch.workspace_id AND cs.character_id = ch.id
  WHERE ch.workspace_id = c.workspace_id AND ch.creator_id = c.id
  ORDER BY 3 DESC, ch.id LIMIT 1
) top ON TRUE
ORDER BY p.score DESC, p.id
"""


def _creator(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "username": r.username,
        "profile_url": r.profile_url,
        "is_verified": r.is_verified,
        "created_at": r.created_at,
        "followers": r.followers,
        "characters_count": r.characters_count,
        "total_messages": r.total_messages,
        "total_images": r.total_images,
        "earnings": money(r.earnings),
        "paying_fans": r.paying_fans,
        "top_character": (
            {"id": r.top_id, "name": r.top_name, "messages": r.top_messages} if r.top_id else None
        ),
    }


async def top_creators(
    session: AsyncSession, window: Window, *, sort_by: str, limit: int, page: int
) -> dict[str, Any]:
    found = await rows(
        session,
        _CREATORS.format(sort=SORTS[sort_by]),
        ws=window.frame.workspace_id,
        start=window.start,
        end=window.end,
        limit=limit,
        offset=(page - 1) * limit,
    )
    total = (
        await one(
            session,
            "SELECT count(*) AS n FROM creators WHERE workspace_id = :ws",
            ws=window.frame.workspace_id,
        )
    ).n
    return {
        "creators": [_creator(r) for r in found],
        "total_creators": total,
        "page": page,
        "total_pages": math.ceil(total / limit),
    }


async def creator_stats(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    month = frame.last_days(30)
    head = await one(
        session,
        """
SELECT count(*) AS total, count(*) FILTER (WHERE c.created_at >= :start) AS new_month,
  count(*) FILTER (WHERE s.last_message_at >= :start) AS active,
  (SELECT coalesce(sum(characters), 0) FROM platform_character_facets
     WHERE workspace_id = :ws AND facet = 'with_creator') AS chars
FROM creators c
LEFT JOIN creator_stats s ON s.workspace_id = c.workspace_id AND s.creator_id = c.id
WHERE c.workspace_id = :ws
""",
        ws=frame.workspace_id,
        start=month.start,
    )
    top = await rows(
        session,
        _CREATORS.format(sort=SORTS["followers"]),
        ws=frame.workspace_id,
        limit=TOP,
        offset=0,
        start=month.start,
        end=month.end,
    )
    return {
        "total_creators": head.total,
        "active_creators": head.active,
        "new_creators_this_month": head.new_month,
        "total_characters_by_creators": head.chars,
        "average_characters_per_creator": ratio(head.chars, head.total),
        "top_creators": [_creator(r) for r in top],
    }
