"""Row streams for the exports (spec 000 section 10): keyset batches, never all rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.window import Window

# The first batch is small so that a client gets its first rows in a time that does not
# depend on the size of the export; the later ones are large, for throughput.
FIRST_BATCH, BATCH = 100, 1000

USERS = """
SELECT u.id, u.email, u.created_at, u.language,
  coalesce(s.active_subscriptions, 0) > 0 AS is_premium,
  coalesce(s.messages, 0) AS messages, coalesce(s.images, 0) AS images,
  coalesce(s.favorites, 0) AS favorites, u.last_active_at
FROM platform_users u
LEFT JOIN platform_user_stats s ON s.workspace_id = u.workspace_id AND s.user_id = u.id
WHERE u.workspace_id = :ws AND u.created_at >= :start AND u.created_at < :end
  AND (u.created_at, u.id) > (:after_t, :after_id)
ORDER BY u.created_at, u.id LIMIT :batch
"""

CHARACTERS = """
SELECT c.id, c.name, c.creator_id, c.category, c.tags, c.is_nsfw, c.is_public, c.created_at,
  coalesce(s.total_messages, 0) AS messages, coalesce(s.unique_users, 0) AS users,
  coalesce(s.favorites, 0) AS favorites
FROM characters c
LEFT JOIN character_stats s ON s.workspace_id = c.workspace_id AND s.character_id = c.id
WHERE c.workspace_id = :ws AND c.created_at >= :start AND c.created_at < :end
  AND (c.created_at, c.id) > (:after_t, :after_id)
ORDER BY c.created_at, c.id LIMIT :batch
"""

TRANSACTIONS = """
SELECT t.id, t.user_id, t.type, t.amount, t.currency, t.status, t.created_at FROM transactions t
WHERE t.workspace_id = :ws AND t.created_at >= :start AND t.created_at < :end
  AND (t.created_at, t.id) > (:after_t, :after_id)
ORDER BY t.created_at, t.id LIMIT :batch
"""


async def batches(session: AsyncSession, sql: str, window: Window) -> AsyncIterator[list[Any]]:
    """Rows in (created_at, id) order, FIRST_BATCH and then BATCH at a time by keyset (a
    response writes one chunk per batch, not per row)."""
    params = {
        "ws": window.frame.workspace_id,
        "start": window.start,
        "end": window.end,
        "batch": FIRST_BATCH,
        "after_t": window.start,
        "after_id": "",
    }
    while True:
        found = (await session.execute(text(sql), params)).all()
        if found:
            yield found
        if len(found) < params["batch"]:
            return
        params |= {"after_t": found[-1].created_at, "after_id": found[-1].id, "batch": BATCH}
