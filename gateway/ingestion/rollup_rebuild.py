"""Recompute the local-day rollups from the raw rows, in the workspace's current timezone:
the per-day activity tables, then what derives from them (activity gaps, retention cells),
the users' and creators' all-time totals, the facets, the users' subscription totals, the
segment cells (and the first subscriptions per hour) and the subscription rollups; the
per-character window totals are dropped for the first read to recompute; spec 002's day
rollups of interactions and end users (interaction_rollups.py, in UTC days). `gateway
rebuild-rollups` runs it (e.g. after a timezone change); the upkeep tests compare it with
what ingestion maintained."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.ingestion import (
    activity_rollups,
    facet_rollups,
    interaction_rollups,
    segment_rollups,
    subscription_rollups,
)
from gateway.ingestion.activity_rollups import WS, ZONE
from gateway.ingestion.platform_rollups import SENT_BY_USER

# (table, time column, per-day column) of every kind of activity.
_ACTIVITY = (
    ("messages", "created_at", "messages"),
    ("chat_sessions", "started_at", "sessions"),
    ("images", "created_at", "images"),
    ("favorites", "created_at", "favorites"),
)
_COUNTS = ("messages", "images", "sessions", "favorites")


def _per_day(key: str) -> str:
    """Each activity row as (local day, key, one in its kind's column). A user's messages
    are those they sent (platform_rollups.SENT_BY_USER); a character's are all of its."""
    parts = []
    for table, time_column, column in _ACTIVITY:
        ones = ", ".join(f"{int(c == column)} AS {c}" for c in _COUNTS)
        sent = f" AND r.{SENT_BY_USER}" if key == "user_id" and table == "messages" else ""
        parts.append(
            f"SELECT (r.{time_column} AT TIME ZONE z.tz)::date AS day, r.{key}, {ones} "
            f"FROM {table} r CROSS JOIN {ZONE} WHERE r.workspace_id = :ws AND r.{key} IS NOT NULL"
            f"{sent}"
        )
    return " UNION ALL ".join(parts)


_SUMS = ", ".join(f"sum({c})" for c in _COUNTS)
PER_DAY = (
    "DELETE FROM character_days WHERE workspace_id = :ws",
    "DELETE FROM character_user_days WHERE workspace_id = :ws",
    "DELETE FROM platform_user_days WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_user_days (workspace_id, day, user_id, {", ".join(_COUNTS)})
SELECT {WS}, day, user_id, {_SUMS} FROM ({_per_day("user_id")}) a GROUP BY day, user_id
""",
    f"""
INSERT INTO character_user_days (workspace_id, day, character_id, user_id)
SELECT DISTINCT {WS}, (m.created_at AT TIME ZONE z.tz)::date, m.character_id, m.user_id
FROM messages m CROSS JOIN {ZONE} WHERE m.workspace_id = :ws
""",
    f"""
INSERT INTO character_days (workspace_id, day, character_id, {", ".join(_COUNTS)}, unique_users)
SELECT {WS}, a.day, a.character_id, {_SUMS},
  (SELECT count(*) FROM character_user_days p WHERE p.workspace_id = :ws AND p.day = a.day
     AND p.character_id = a.character_id)
FROM ({_per_day("character_id")}) a GROUP BY a.day, a.character_id
""",
    # New users of a character on a day: the pairs whose first day it is.
    """
UPDATE character_days d SET new_users = f.users
FROM (SELECT character_id, day, count(*) AS users
      FROM (SELECT character_id, min(day) AS day FROM character_user_days
            WHERE workspace_id = :ws GROUP BY character_id, user_id) p
      GROUP BY character_id, day) f
WHERE d.workspace_id = :ws AND d.character_id = f.character_id AND d.day = f.day
""",
)

# The users' all-time totals and last activity (platform_events._last_active,
# platform_rollups.user_total and friends), and the messages per UTC hour by sender.
USER_TOTALS = (
    "UPDATE platform_user_stats SET messages = 0, images = 0, sessions = 0, favorites = 0, "
    "first_message_at = NULL WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_user_stats AS s
  (workspace_id, user_id, messages, images, sessions, favorites, first_message_at)
SELECT {WS}, user_id, sum(messages), sum(images), sum(sessions), sum(favorites), min(first)
FROM (
  SELECT user_id, 1 AS messages, 0 AS images, 0 AS sessions, 0 AS favorites,
         created_at AS first FROM messages WHERE workspace_id = :ws AND {SENT_BY_USER}
  UNION ALL SELECT user_id, 0, 1, 0, 0, NULL FROM images WHERE workspace_id = :ws
  UNION ALL SELECT user_id, 0, 0, 1, 0, NULL FROM chat_sessions WHERE workspace_id = :ws
  UNION ALL SELECT user_id, 0, 0, 0, 1, NULL FROM favorites WHERE workspace_id = :ws
) a GROUP BY user_id
ON CONFLICT (workspace_id, user_id) DO UPDATE SET messages = EXCLUDED.messages,
  images = EXCLUDED.images, sessions = EXCLUDED.sessions, favorites = EXCLUDED.favorites,
  first_message_at = EXCLUDED.first_message_at
""",
    f"""
UPDATE platform_users u SET last_active_at = a.last
FROM platform_users p LEFT JOIN (
  SELECT user_id, max(t) AS last FROM (
    SELECT user_id, created_at AS t FROM messages WHERE workspace_id = :ws AND {SENT_BY_USER}
    UNION ALL SELECT user_id, started_at FROM chat_sessions WHERE workspace_id = :ws
    UNION ALL SELECT user_id, created_at FROM images WHERE workspace_id = :ws
    UNION ALL SELECT user_id, created_at FROM favorites WHERE workspace_id = :ws
  ) x GROUP BY user_id
) a ON a.user_id = p.id
WHERE p.workspace_id = :ws AND u.workspace_id = :ws AND u.id = p.id
  AND u.last_active_at IS DISTINCT FROM a.last
""",
    "UPDATE platform_hourly SET messages = 0, user_messages = 0 "
    "WHERE workspace_id = :ws AND (messages <> 0 OR user_messages <> 0)",
    f"""
INSERT INTO platform_hourly AS h (workspace_id, hour, messages, user_messages)
SELECT {WS}, date_trunc('hour', created_at, 'UTC'), count(*),
  count(*) FILTER (WHERE {SENT_BY_USER})
FROM messages WHERE workspace_id = :ws GROUP BY 2
ON CONFLICT (workspace_id, hour)
  DO UPDATE SET messages = EXCLUDED.messages, user_messages = EXCLUDED.user_messages
""",
)

# Per-character and per-creator rows: one for every character (with its current creator,
# platform_entities._CHARACTER_STATS) and creator, and the characters' session totals
# (platform_events._CHARACTER_SESSIONS) from the raw sessions.
CHARACTER_TOTALS = (
    f"""
INSERT INTO character_stats (workspace_id, character_id)
SELECT {WS}, id FROM characters WHERE workspace_id = :ws ON CONFLICT DO NOTHING
""",
    """
UPDATE character_stats s SET creator_id = ch.creator_id FROM characters ch
WHERE ch.workspace_id = :ws AND s.workspace_id = :ws AND s.character_id = ch.id
  AND s.creator_id IS DISTINCT FROM ch.creator_id
""",
    f"""
INSERT INTO creator_stats (workspace_id, creator_id)
SELECT {WS}, id FROM creators WHERE workspace_id = :ws ON CONFLICT DO NOTHING
""",
    # Each creator's totals over its current characters, and its earnings.
    """
UPDATE creator_stats s SET total_messages = coalesce(m.n, 0), last_message_at = m.last,
  total_images = coalesce(i.n, 0), earnings = coalesce(e.amount, 0)
FROM creator_stats c
LEFT JOIN (SELECT ch.creator_id, count(*) AS n, max(r.created_at) AS last FROM messages r
           JOIN characters ch ON ch.workspace_id = :ws AND ch.id = r.character_id
           WHERE r.workspace_id = :ws GROUP BY 1) m ON m.creator_id = c.creator_id
LEFT JOIN (SELECT ch.creator_id, count(*) AS n FROM images r
           JOIN characters ch ON ch.workspace_id = :ws AND ch.id = r.character_id
           WHERE r.workspace_id = :ws GROUP BY 1) i ON i.creator_id = c.creator_id
LEFT JOIN (SELECT creator_id, sum(amount) FILTER (WHERE status = 'completed') AS amount
           FROM transactions WHERE workspace_id = :ws GROUP BY 1) e ON e.creator_id = c.creator_id
WHERE c.workspace_id = :ws AND s.workspace_id = :ws AND s.creator_id = c.creator_id
""",
    """
UPDATE character_stats s SET sessions = coalesce(t.n, 0), session_seconds = coalesce(t.seconds, 0)
FROM character_stats c
LEFT JOIN (SELECT character_id, count(*) AS n, sum(duration_seconds) AS seconds
           FROM chat_sessions WHERE workspace_id = :ws AND character_id IS NOT NULL
           GROUP BY character_id) t ON t.character_id = c.character_id
WHERE c.workspace_id = :ws AND s.workspace_id = :ws AND s.character_id = c.character_id
""",
)


# Uses and users of each feature, from the raw rows (platform_rollups.FEATURE_USAGE).
FEATURE_COUNTERS = f"""
INSERT INTO platform_counters (workspace_id, name, value)
SELECT {WS}, k.name, k.value
FROM (SELECT feature, count(*) AS uses, count(DISTINCT user_id) AS users FROM feature_usage
      WHERE workspace_id = :ws GROUP BY feature) f
CROSS JOIN LATERAL (VALUES ('uses:' || f.feature, f.uses), ('users:' || f.feature, f.users))
  k (name, value)
"""

COUNTERS = (
    "DELETE FROM platform_visitors WHERE workspace_id = :ws",
    f"INSERT INTO platform_visitors (workspace_id, visitor_id) "
    f"SELECT DISTINCT {WS}, visitor_id FROM site_visits WHERE workspace_id = :ws",
    "DELETE FROM platform_counters WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_counters (workspace_id, name, value)
SELECT {WS}, 'visitors', count(*) FROM platform_visitors WHERE workspace_id = :ws
UNION ALL
SELECT {WS}, 'favoriting_users', count(*) FROM platform_user_stats
WHERE workspace_id = :ws AND favorites > 0
""",
    FEATURE_COUNTERS,
)


# The per-character totals of the last 7/30/90/365 local days (models/analytics/
# window_totals.py): dropped, so that the first read recomputes them in the current zone
# (they are trusted for the day they were computed for, whatever zone cut it).
WINDOW_TOTALS = (
    "DELETE FROM character_window_state WHERE workspace_id = :ws",
    "DELETE FROM character_window_totals WHERE workspace_id = :ws",
)

# What revision 0002 backfilled: the rollups behind the subscription and funnel numbers.
SUBSCRIPTIONS = (
    *subscription_rollups.REBUILD_USER_STATS,
    *segment_rollups.REBUILD,
    *subscription_rollups.REBUILD,
)


# Everything, in order (the user totals before the counters and segments that read them).
STATEMENTS = (
    *PER_DAY,
    *USER_TOTALS,
    *CHARACTER_TOTALS,
    *COUNTERS,
    *activity_rollups.REBUILD,
    *facet_rollups.REBUILD,
    *SUBSCRIPTIONS,
    *WINDOW_TOTALS,
    *interaction_rollups.REBUILD,
)

# Writers of the tables read here wait until the rebuilt numbers are committed.
LOCK = (
    "LOCK TABLE messages, chat_sessions, images, favorites, site_visits, feature_usage, "
    "platform_users, creators, characters, platform_user_stats, subscriptions, "
    "transactions, interactions, end_users IN SHARE MODE"
)


async def rebuild(session: AsyncSession, workspace_id: str) -> None:
    """Run inside the caller's transaction, so readers see the old numbers or the new ones,
    never a half-built table (e.g. after changing a workspace's timezone)."""
    await session.execute(text(LOCK))
    for statement in STATEMENTS:
        await session.execute(text(statement), {"ws": workspace_id})
