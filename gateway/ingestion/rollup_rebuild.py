"""Recompute the local-day rollups from the raw rows, in the workspace's current timezone:
the per-day activity tables, then what derives from them (activity gaps, retention cells),
the facets, the users' subscription totals, the segment cells (and the first subscriptions
per hour) and the subscription rollups. `gateway rebuild-rollups` runs it (e.g. after a timezone
change); the upkeep tests compare it with what ingestion maintained."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.ingestion import (
    activity_rollups,
    facet_rollups,
    segment_rollups,
    subscription_rollups,
)
from gateway.ingestion.activity_rollups import WS, ZONE

# (table, time column, per-day column) of every kind of activity.
_ACTIVITY = (
    ("messages", "created_at", "messages"),
    ("chat_sessions", "started_at", "sessions"),
    ("images", "created_at", "images"),
    ("favorites", "created_at", "favorites"),
)
_COUNTS = ("messages", "images", "sessions", "favorites")


def _per_day(key: str) -> str:
    """Each activity row as (local day, key, one in its kind's column)."""
    parts = []
    for table, time_column, column in _ACTIVITY:
        ones = ", ".join(f"{int(c == column)} AS {c}" for c in _COUNTS)
        parts.append(
            f"SELECT (r.{time_column} AT TIME ZONE z.tz)::date AS day, r.{key}, {ones} "
            f"FROM {table} r CROSS JOIN {ZONE} WHERE r.workspace_id = :ws AND r.{key} IS NOT NULL"
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


# What revision 0002 backfilled: the rollups behind the subscription and funnel numbers.
SUBSCRIPTIONS = (
    *subscription_rollups.REBUILD_USER_STATS,
    *segment_rollups.REBUILD,
    *subscription_rollups.REBUILD,
)


async def rebuild(session: AsyncSession, workspace_id: str) -> None:
    """Run inside the caller's transaction, so readers see the old numbers or the new ones,
    never a half-built table (e.g. after changing a workspace's timezone)."""
    # Writers of the tables read here wait until the rebuilt numbers are committed.
    await session.execute(
        text(
            "LOCK TABLE messages, chat_sessions, images, favorites, site_visits, feature_usage, "
            "platform_users, creators, characters, platform_user_stats, subscriptions, "
            "transactions IN SHARE MODE"
        )
    )
    for statement in (
        *PER_DAY,
        *CHARACTER_TOTALS,
        *COUNTERS,
        *activity_rollups.REBUILD,
        *facet_rollups.REBUILD,
        *SUBSCRIPTIONS,
    ):
        await session.execute(text(statement), {"ws": workspace_id})
