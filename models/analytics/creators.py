"""Creators (spec 000 section 6)."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import (
    early,
    one,
    rows,
    together,
)
from models.analytics.window import Frame, Window, money, ratio

SORTS = {
    "followers": "followers",
    "characters": "characters_count",
    "messages": "total_messages",
    "earnings": "earnings",
}
TOP = 5

# One page of creators, read off creator_stats' index for the sort (every creator has a
# creator_stats row); the per-creator extras are then computed for that page only: paying
# fans from the completed transactions' index, the top character as the first entry of the
# creator's range of character_stats.
_CREATORS = """
WITH page AS (
  SELECT s.creator_id AS id, s.{sort} AS score FROM creator_stats s
  WHERE s.workspace_id = :ws ORDER BY s.{sort} DESC, s.creator_id LIMIT :limit OFFSET :offset
)
SELECT c.id, c.username, c.profile_url, c.is_verified, c.created_at,
  s.followers, s.characters_count, s.total_messages, s.total_images, s.earnings,
  (SELECT count(DISTINCT t.user_id) FROM transactions t WHERE t.workspace_id = :ws
     AND t.creator_id = c.id AND t.status = 'completed' AND t.created_at >= :start
     AND t.created_at < :end) AS paying_fans,
  top.id AS top_id, top.name AS top_name, top.messages AS top_messages
FROM page p JOIN creators c ON c.workspace_id = :ws AND c.id = p.id
JOIN creator_stats s ON s.workspace_id = :ws AND s.creator_id = c.id
LEFT JOIN LATERAL (
  SELECT cs.character_id AS id, ch.name, cs.total_messages AS messages FROM character_stats cs
  JOIN characters ch ON ch.workspace_id = cs.workspace_id AND ch.id = cs.character_id
  WHERE cs.workspace_id = :ws AND cs.creator_id = c.id
  ORDER BY cs.total_messages DESC, cs.character_id LIMIT 1
) top ON TRUE
ORDER BY p.score DESC, p.id
"""

# All creators: every creator is a user, counted in the segment cells' 'creator' place
# (by registration day; segment_rollups.py).
_TOTAL = (
    "SELECT coalesce(sum(users), 0) AS n FROM platform_segment_cells "
    "WHERE workspace_id = :ws AND band = 'creator'"
)


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
    found, head = await together(
        session,
        rows(
            session,
            _CREATORS.format(sort=SORTS[sort_by]),
            ws=window.frame.workspace_id,
            start=window.start,
            end=window.end,
            limit=limit,
            offset=(page - 1) * limit,
        ),
        one(session, _TOTAL, ws=window.frame.workspace_id),
    )
    total = head.n
    return {
        "creators": [_creator(r) for r in found],
        "total_creators": total,
        "page": page,
        "total_pages": math.ceil(total / limit),
    }


async def creator_stats(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    month = frame.last_days(30)
    listing = early(  # the top list runs while the head is read
        session,
        rows(
            session,
            _CREATORS.format(sort=SORTS["followers"]),
            ws=frame.workspace_id,
            limit=TOP,
            offset=0,
            start=month.start,
            end=month.end,
        ),
    )
    head = await one(
        session,
        f"""
SELECT ({_TOTAL}) AS total,
  (SELECT count(*) FROM creators WHERE workspace_id = :ws AND created_at >= :start) AS new_month,
  (SELECT count(*) FROM creator_stats WHERE workspace_id = :ws
     AND last_message_at >= :start) AS active,
  (SELECT coalesce(sum(characters), 0) FROM platform_character_facets
     WHERE workspace_id = :ws AND facet = 'with_creator') AS chars
""",
        ws=frame.workspace_id,
        start=month.start,
    )
    top = await listing
    return {
        "total_creators": head.total,
        "active_creators": head.active,
        "new_creators_this_month": head.new_month,
        "total_characters_by_creators": head.chars,
        "average_characters_per_creator": ratio(head.chars, head.total),
        "top_creators": [_creator(r) for r in top],
    }
