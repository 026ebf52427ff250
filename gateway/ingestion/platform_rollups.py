"""Rollup SQL for models/platform_rollups.py, run by ingestion in the write transaction.

Append-only events (messages, sessions, images, likes, favorites, feature usage) add the
rows just inserted (`_inserted`) to counters; the per-day tables also keep their activity
gaps and retention cells (activity_rollups.py). Upserted entities (users, characters,
transactions) can change, so the hours and users they touch are recomputed from the raw
table instead. Local days use the workspace's timezone at ingestion time.
"""

from __future__ import annotations

from gateway.ingestion import facet_rollups
from gateway.ingestion.activity_rollups import (
    PAIRS,
    REGISTRATION_MOVES,
    WS,
    ZONE,
    gaps,
    tracked_per_day,
)
from gateway.ingestion.segment_rollups import lock_users, resegment, touched_users


def _set_add(alias: str, columns: list[str]) -> str:
    return ", ".join(f"{c} = {alias}.{c} + EXCLUDED.{c}" for c in columns)


def hourly(time_column: str, counters: dict[str, str]) -> str:
    """Add inserted rows to platform_hourly; `counters` maps column -> aggregate."""
    columns = list(counters)
    return f"""
INSERT INTO platform_hourly AS h (workspace_id, hour, {", ".join(columns)})
SELECT workspace_id, date_trunc('hour', {time_column}, 'UTC'), {", ".join(counters.values())}
FROM {{ins}} WHERE _inserted GROUP BY 1, 2
ON CONFLICT (workspace_id, hour) DO UPDATE SET {_set_add("h", columns)}
"""


def window_totals(time_column: str, column: str) -> str:
    """Add the batch to the character window totals whose window holds its local day
    (models/analytics/window_totals.py); run after the character_days upsert, whose lock
    orders it against a recomputation."""
    return f"""
INSERT INTO character_window_totals AS t (workspace_id, days, character_id, {column})
SELECT {WS}, w.days, s.character_id, sum(s.n)
FROM (SELECT (i.{time_column} AT TIME ZONE z.tz)::date AS day, i.character_id, count(*) AS n
      FROM {{ins}} i CROSS JOIN {ZONE} WHERE i._inserted AND i.character_id IS NOT NULL
      GROUP BY 1, 2) s
JOIN character_window_state w ON w.workspace_id = :ws
  AND s.day BETWEEN w.as_of - w.days + 1 AND w.as_of
GROUP BY 2, 3
ON CONFLICT (workspace_id, days, character_id) DO UPDATE SET {_set_add("t", [column])}
"""


# Users with at least one favorite: those whose counter this batch took from 0.
_FAVORITING_USERS = f"""
WITH src AS (
  SELECT user_id, count(*) AS n FROM {{ins}} WHERE _inserted GROUP BY 1
),
up AS (
  INSERT INTO platform_user_stats AS s (workspace_id, user_id, favorites)
  SELECT {WS}, user_id, n FROM src
  ON CONFLICT (workspace_id, user_id) DO UPDATE SET favorites = s.favorites + EXCLUDED.favorites
  RETURNING s.user_id, s.favorites
)
INSERT INTO platform_counters AS c (workspace_id, name, value)
SELECT {WS}, 'favoriting_users', count(*) FROM up JOIN src USING (user_id)
WHERE up.favorites = src.n HAVING count(*) > 0
ON CONFLICT (workspace_id, name) DO UPDATE SET value = c.value + EXCLUDED.value
"""


def user_total(column: str) -> str:
    """Add inserted rows to the user's all-time counter."""
    return f"""
INSERT INTO platform_user_stats AS s (workspace_id, user_id, {column})
SELECT workspace_id, user_id, count(*) FROM {{ins}} WHERE _inserted GROUP BY 1, 2
ON CONFLICT (workspace_id, user_id) DO UPDATE SET {_set_add("s", [column])}
"""


# A user's messages are those they sent: a character's reply is the character's doing, so
# it makes no one active, moves no one's last activity and counts in no user's total (it
# does count for the character, its creator and the conversation volume).
SENT_BY_USER = "sender = 'user'"

_USER_MESSAGES = f"""
INSERT INTO platform_user_stats AS s (workspace_id, user_id, messages, first_message_at)
SELECT workspace_id, user_id, count(*), min(created_at) FROM {{ins}}
WHERE _inserted AND {SENT_BY_USER} GROUP BY 1, 2
ON CONFLICT (workspace_id, user_id) DO UPDATE SET messages = s.messages + EXCLUDED.messages,
  first_message_at = LEAST(s.first_message_at, EXCLUDED.first_message_at)
"""


# New (day, character, user) pairs raise the day's unique users; a pair whose first day they
# make earlier (or that is new) moves its new user from the old first day to the new one.
# The existing days are the statement's snapshot, which does not show the pairs it inserts;
# a concurrent batch of the same character waits on its character_stats row (updated first).
CHARACTER_USER_DAYS = f"""
WITH pairs AS (
  INSERT INTO character_user_days (workspace_id, day, character_id, user_id)
  SELECT DISTINCT i.workspace_id, (i.created_at AT TIME ZONE z.tz)::date, i.character_id, i.user_id
  FROM {{ins}} i CROSS JOIN {ZONE} WHERE i._inserted
  ON CONFLICT DO NOTHING RETURNING workspace_id, day, character_id, user_id
),
new_character_user AS (SELECT character_id, user_id, day FROM pairs),
{gaps(PAIRS)},
first_days AS (
  SELECT n.character_id, n.day, e.day AS old_day
  FROM (SELECT character_id, user_id, min(day) AS day FROM pairs GROUP BY 1, 2) n
  CROSS JOIN LATERAL (
    SELECT min(p.day) AS day FROM character_user_days p WHERE p.workspace_id = :ws
      AND p.character_id = n.character_id AND p.user_id = n.user_id
  ) e
  WHERE e.day IS NULL OR n.day < e.day
)
INSERT INTO character_days AS d (workspace_id, day, character_id, unique_users, new_users)
SELECT {WS}, day, character_id, sum(users), sum(firsts) FROM (
  SELECT day, character_id, 1 AS users, 0 AS firsts FROM pairs
  UNION ALL SELECT day, character_id, 0, 1 FROM first_days
  UNION ALL SELECT old_day, character_id, 0, -1 FROM first_days WHERE old_day IS NOT NULL
) x GROUP BY day, character_id
ON CONFLICT (workspace_id, day, character_id)
  DO UPDATE SET {_set_add("d", ["unique_users", "new_users"])}
"""


def recount_hours(table: str, time_column: str, counters: dict[str, str]) -> str:
    """Recompute the hours touched by the written rows from the raw table: their new hours
    and, for an edit that moved a row, its old one (`{old}`, the pre-image)."""
    columns = list(counters)
    aggregates = ", ".join(counters.values())
    return f"""
INSERT INTO platform_hourly AS h (workspace_id, hour, {", ".join(columns)})
SELECT {WS}, t.h, {aggregates}
FROM (SELECT date_trunc('hour', {time_column}, 'UTC') AS h FROM {{ins}}
      UNION SELECT date_trunc('hour', {time_column}, 'UTC') FROM {{old}}) t
LEFT JOIN {table} r ON r.workspace_id = :ws
  AND r.{time_column} >= t.h AND r.{time_column} < t.h + interval '1 hour'
GROUP BY t.h
ON CONFLICT (workspace_id, hour) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in columns)}
"""


def _completed(kind: str, what: str) -> str:
    return f"coalesce({what} FILTER (WHERE r.status = 'completed' AND r.type = '{kind}'), 0)"


USERS = (
    recount_hours(
        "platform_users",
        "created_at",
        {
            "new_users": "count(r.id)",
            "new_temporary_users": "count(r.id) FILTER (WHERE r.is_temporary)",
        },
    ),
    facet_rollups.USERS,
    REGISTRATION_MOVES,
    resegment("{ins}.id"),
)

CHARACTERS = (
    recount_hours("characters", "created_at", {"new_characters": "count(r.id)"}),
    facet_rollups.CHARACTERS,
)

_KINDS = ("subscription", "point_purchase", "tip")
_REVENUE = {f"revenue_{k}": _completed(k, "sum(r.amount)") for k in _KINDS}
_PAYMENTS = {f"count_{k}": _completed(k, "count(r.id)") for k in _KINDS}

# A transaction may move to another user: both users' totals are recomputed.
_PAYERS = ("{ins}.user_id", "{old}.user_id")

TRANSACTIONS = (
    lock_users(*_PAYERS),
    recount_hours("transactions", "created_at", _REVENUE | _PAYMENTS),
    f"""
INSERT INTO platform_user_stats AS s (workspace_id, user_id, revenue, first_purchase_at)
SELECT {WS}, p.user_id,
       coalesce(sum(t.amount) FILTER (WHERE t.status = 'completed'), 0),
       min(t.created_at) FILTER (WHERE t.status = 'completed')
FROM ({touched_users(*_PAYERS)}) p
LEFT JOIN transactions t ON t.workspace_id = :ws AND t.user_id = p.user_id
GROUP BY p.user_id
ON CONFLICT (workspace_id, user_id)
  DO UPDATE SET revenue = EXCLUDED.revenue, first_purchase_at = EXCLUDED.first_purchase_at
""",
    resegment(*_PAYERS),
)

CREATORS = (lock_users("{ins}.id"), resegment("{ins}.id"))

MESSAGES = (
    hourly(
        "created_at",
        {"messages": "count(*)", "user_messages": f"count(*) FILTER (WHERE {SENT_BY_USER})"},
    ),
    tracked_per_day("platform_user_days", "user_id", "created_at", "messages", SENT_BY_USER),
    tracked_per_day("character_days", "character_id", "created_at", "messages"),
    window_totals("created_at", "messages"),
    CHARACTER_USER_DAYS,
    _USER_MESSAGES,
    resegment("{ins}.user_id"),
)

SESSIONS = (
    hourly(
        "started_at",
        {
            "sessions": "count(*)",
            "session_seconds": "sum(duration_seconds)",
            "session_messages": "sum(message_count)",
            "bounced_sessions": "count(*) FILTER (WHERE message_count <= 1)",
            "character_sessions": "count(*) FILTER (WHERE character_id IS NOT NULL)",
            **{
                f"sessions_{d}": f"count(*) FILTER (WHERE device = '{d}')"
                for d in ("mobile", "desktop", "tablet")
            },
        },
    ),
    tracked_per_day("platform_user_days", "user_id", "started_at", "sessions"),
    tracked_per_day("character_days", "character_id", "started_at", "sessions"),
    user_total("sessions"),
    resegment("{ins}.user_id"),
)

IMAGES = (
    hourly("created_at", {"images": "count(*)", "nsfw_images": "count(*) FILTER (WHERE is_nsfw)"}),
    tracked_per_day("platform_user_days", "user_id", "created_at", "images"),
    tracked_per_day("character_days", "character_id", "created_at", "images"),
    window_totals("created_at", "images"),
    user_total("images"),
    resegment("{ins}.user_id"),
)

IMAGE_LIKES = (hourly("created_at", {"image_likes": "count(*)"}),)

FAVORITES = (
    hourly("created_at", {"favorites": "count(*)"}),
    tracked_per_day("platform_user_days", "user_id", "created_at", "favorites"),
    tracked_per_day("character_days", "character_id", "created_at", "favorites"),
    window_totals("created_at", "favorites"),
    _FAVORITING_USERS,
    resegment("{ins}.user_id"),
)

# Per feature, uses ('uses:<feature>') and users ('users:<feature>') in platform_counters: a
# user counts once, when the batch takes their counter of the feature from 0. The upsert
# returns each pair's counter after any concurrent batch of the same pair (it waits for that
# row's lock), so two uploads never both count the same user; counters are locked in name
# order, so two batches of several features cannot deadlock on them.
FEATURE_USAGE = (
    f"""
WITH src AS (
  SELECT feature, user_id, count(*) AS n FROM {{ins}} WHERE _inserted GROUP BY 1, 2
),
up AS (
  INSERT INTO feature_user_stats AS s (workspace_id, feature, user_id, uses)
  SELECT {WS}, feature, user_id, n FROM src ORDER BY feature, user_id
  ON CONFLICT (workspace_id, feature, user_id) DO UPDATE SET uses = s.uses + EXCLUDED.uses
  RETURNING s.feature, s.user_id, s.uses
)
INSERT INTO platform_counters AS c (workspace_id, name, value)
SELECT {WS}, name, sum(n) FROM (
  SELECT 'uses:' || feature AS name, n FROM src
  UNION ALL
  SELECT 'users:' || feature, 1 FROM up JOIN src USING (feature, user_id) WHERE up.uses = src.n
) m GROUP BY name ORDER BY name
ON CONFLICT (workspace_id, name) DO UPDATE SET value = c.value + EXCLUDED.value
""",
)

# New visitor ids raise the visitor count once, however many visits they make.
VISITS = (
    f"""
WITH new AS (
  INSERT INTO platform_visitors (workspace_id, visitor_id)
  SELECT DISTINCT workspace_id, visitor_id FROM {{ins}} WHERE _inserted
  ON CONFLICT DO NOTHING RETURNING 1
)
INSERT INTO platform_counters AS c (workspace_id, name, value)
SELECT {WS}, 'visitors', count(*) FROM new HAVING count(*) > 0
ON CONFLICT (workspace_id, name) DO UPDATE SET value = c.value + EXCLUDED.value
""",
)
