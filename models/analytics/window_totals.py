"""Window totals per character (models/platform_rollups.py CharacterWindowTotal): which to
read, and their daily recomputation.

Ingestion adds each batch to the totals of the windows it falls in (gateway/ingestion/
platform_rollups.py WINDOW_TOTALS), so they are exact for their day. When the local day
changes, the first read recomputes them in its own short transaction; a read that finds
another request already doing so sums character_days itself for that request.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.window import Window

WINDOW_DAYS = (7, 30, 90, 365)
METRICS = ("messages", "images", "favorites")

_REFRESH = (
    # Uploads of activity wait for the recomputed totals (and this waits for theirs).
    "LOCK TABLE character_days IN SHARE MODE",
    "DELETE FROM character_window_totals WHERE workspace_id = :ws AND days = :days",
    """
INSERT INTO character_window_totals (workspace_id, days, character_id, messages, images, favorites)
SELECT CAST(:ws AS varchar), CAST(:days AS int), character_id,
  sum(messages), sum(images), sum(favorites) FROM character_days
WHERE workspace_id = :ws AND day BETWEEN :first AND :last GROUP BY character_id
HAVING sum(messages) > 0 OR sum(images) > 0 OR sum(favorites) > 0
""",
    """
INSERT INTO character_window_state (workspace_id, days, as_of)
VALUES (CAST(:ws AS varchar), CAST(:days AS int), CAST(:last AS date))
ON CONFLICT (workspace_id, days) DO UPDATE SET as_of = EXCLUDED.as_of
""",
    # Every row was just rewritten: without fresh statistics the planner takes the table
    # for empty and may probe a character's totals through a score index, reading the
    # whole window per probe (the unscored part of a top list).
    "ANALYZE character_window_totals",
)


async def refresh(session: AsyncSession, workspace_id: str, days: int, today) -> None:  # type: ignore[no-untyped-def]
    """Recompute one window length's totals for `today`, in the caller's transaction."""
    params = {
        "ws": workspace_id,
        "days": days,
        "first": today - timedelta(days=days - 1),
        "last": today,
    }
    for statement in _REFRESH:
        await session.execute(text(statement), params)


async def usable(session: AsyncSession, window: Window) -> bool:
    """Whether the window's totals are current, recomputing them if they are a day behind
    and no other request is already at it."""
    days, frame = window.days, window.frame
    if days not in WINDOW_DAYS or window.last != frame.today:
        return False
    as_of = (
        await session.execute(
            text("SELECT as_of FROM character_window_state WHERE workspace_id = :ws AND days = :d"),
            {"ws": frame.workspace_id, "d": days},
        )
    ).scalar_one_or_none()
    if as_of == frame.today:
        return True
    async with AsyncSession(session.bind) as own, own.begin():
        key = f"window-totals:{frame.workspace_id}:{days}"
        claimed = (
            await own.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": key})
        ).scalar_one()
        if not claimed:
            return False
        await refresh(own, frame.workspace_id, days, frame.today)
    return True
