"""SQL keeping `platform_segment_cells` (models/platform_rollups.py) current: after a batch
changes users' message counts, last activity, registration, revenue, subscriptions or creator
profile, each touched user's stored place (`platform_user_segment_keys`) is taken out of the
cells (and of `platform_hourly.first_subscriptions`) and the new one put in, in one
statement: its snapshot still holds the old keys while it writes the new ones.

Batches touching the same user are ordered by the row locks taken earlier in their
transactions: platform_users.last_active_at (activity), the user upsert itself, or
`lock_users` (transactions, subscriptions, creators), so a key is never read by one batch
while another is changing it, and what a batch recomputes from raw rows includes the rows
of every batch of the same user committed before it.
"""

from __future__ import annotations

from gateway.ingestion.activity_rollups import WS, ZONE

_COLUMNS = (
    "band, active_day, seen_day, registered_on, revenue, registered, chatted, premium, creator, "
    "to_purchase, chat_to_sub, first_subscription_at"
)

_PLACE = """
  CASE WHEN coalesce(s.messages, 0) >= 100 THEN 'ge100'
       WHEN coalesce(s.messages, 0) >= 10 THEN '10to99' ELSE 'lt10' END AS band,
  (u.last_active_at AT TIME ZONE z.tz)::date AS active_day,
  (coalesce(u.last_active_at, u.created_at) AT TIME ZONE z.tz)::date AS seen_day,
  (u.created_at AT TIME ZONE z.tz)::date AS registered_on,
  coalesce(s.revenue, 0) AS revenue,
  NOT u.is_temporary AS registered,
  coalesce(s.messages, 0) > 0 AS chatted,
  coalesce(s.active_subscriptions, 0) > 0 AS premium,
  cr.id IS NOT NULL AS creator,
  extract(epoch FROM s.first_purchase_at - u.created_at) AS to_purchase,
  CASE WHEN s.first_subscription_at >= s.first_message_at
    THEN extract(epoch FROM s.first_subscription_at - s.first_message_at) / 86400 END
    AS chat_to_sub,
  s.first_subscription_at"""

# The user's stats and creator profile, for _PLACE (u is the user).
_JOINS = """
  LEFT JOIN platform_user_stats s ON s.workspace_id = u.workspace_id AND s.user_id = u.id
  LEFT JOIN creators cr ON cr.workspace_id = u.workspace_id AND cr.id = u.id"""

# (band, day, n, revenue, measure) of every cell a key counts in, n = +1 or -1.
_CELLS = """
  SELECT band, active_day AS day, n, n * revenue AS revenue, 0 AS measure
    FROM {keys} WHERE active_day IS NOT NULL
  UNION ALL SELECT 'seen', seen_day, n, n * revenue, 0 FROM {keys}
  UNION ALL SELECT 'reg', registered_on, n, n * revenue, 0 FROM {keys}
  UNION ALL SELECT 'paid', '-infinity', n, n * revenue, 0 FROM {keys} WHERE revenue > 0
  UNION ALL SELECT 'premium', '-infinity', n, n * revenue, 0 FROM {keys} WHERE premium
  UNION ALL SELECT 'prem_reg', registered_on, n, 0, 0 FROM {keys} WHERE premium
  UNION ALL SELECT 'creator', registered_on, n, 0, 0 FROM {keys} WHERE creator
  UNION ALL SELECT 'f_reg', '-infinity', n, 0, 0 FROM {keys} WHERE registered
  UNION ALL SELECT 'f_act', '-infinity', n, 0, 0 FROM {keys} WHERE registered AND chatted
  UNION ALL SELECT 'f_eng', '-infinity', n, 0, 0 FROM {keys} WHERE registered AND band <> 'lt10'
  UNION ALL SELECT 'f_pay', '-infinity', n, 0, 0 FROM {keys} WHERE registered AND revenue > 0
  UNION ALL SELECT 'f_buy', '-infinity', n, 0, n * to_purchase FROM {keys}
    WHERE registered AND to_purchase IS NOT NULL
  UNION ALL SELECT 'f_sub', '-infinity', n, 0, n * chat_to_sub FROM {keys}
    WHERE registered AND chat_to_sub IS NOT NULL"""

_ADD_CELLS = f"""
INSERT INTO platform_segment_cells AS c (workspace_id, band, day, users, revenue, measure)
SELECT {WS}, band, day, sum(n), sum(revenue), sum(measure) FROM moves GROUP BY band, day
HAVING sum(n) <> 0 OR sum(revenue) <> 0 OR sum(measure) <> 0
ORDER BY band, day  -- every batch locks cells in one order: no deadlock between two
ON CONFLICT (workspace_id, band, day) DO UPDATE SET users = c.users + EXCLUDED.users,
  revenue = c.revenue + EXCLUDED.revenue, measure = c.measure + EXCLUDED.measure
"""


def touched_users(*sources: str) -> str:
    """The distinct user ids in the given `{ins}`/`{old}` columns ("{ins}.user_id", ...)."""
    parts = []
    for source in sources:
        table, column = source.rsplit(".", 1)
        parts.append(f"SELECT DISTINCT {column} AS user_id FROM {table}")
    return " UNION ".join(parts)


def lock_users(*sources: str) -> str:
    """Lock the touched users' rows (in id order) before any upkeep that reads or re-places
    them: a concurrent batch of the same user waits for this one to commit."""
    return f"""
SELECT 1 FROM platform_users u
WHERE u.workspace_id = :ws AND u.id IN ({touched_users(*sources)})
ORDER BY u.id FOR NO KEY UPDATE OF u
"""


def resegment(*sources: str) -> str:
    """Re-place the users named by the sources ("{ins}.user_id", "{old}.user_id")."""
    return f"""
WITH touched AS ({touched_users(*sources)}),
placed AS (
  SELECT u.id AS user_id, {_PLACE}, 1 AS n
  FROM touched t JOIN platform_users u ON u.workspace_id = :ws AND u.id = t.user_id {_JOINS}
  CROSS JOIN {ZONE}
),
before AS (
  SELECT k.user_id, {", ".join(f"k.{c}" for c in _COLUMNS.split(", "))}, -1 AS n
  FROM touched t
  JOIN platform_user_segment_keys k ON k.workspace_id = :ws AND k.user_id = t.user_id
),
saved AS (
  INSERT INTO platform_user_segment_keys AS k (workspace_id, user_id, {_COLUMNS})
  SELECT {WS}, user_id, {_COLUMNS} FROM placed
  ON CONFLICT (workspace_id, user_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS.split(", "))}
),
first_subscriptions AS (
  INSERT INTO platform_hourly AS h (workspace_id, hour, first_subscriptions)
  SELECT {WS}, date_trunc('hour', first_subscription_at, 'UTC'), sum(n) FROM (
    SELECT first_subscription_at, n FROM placed
    UNION ALL SELECT first_subscription_at, n FROM before
  ) f WHERE first_subscription_at IS NOT NULL GROUP BY 2 HAVING sum(n) <> 0 ORDER BY 2
  ON CONFLICT (workspace_id, hour)
    DO UPDATE SET first_subscriptions = h.first_subscriptions + EXCLUDED.first_subscriptions
),
moves AS ({_CELLS.format(keys="placed")} UNION ALL {_CELLS.format(keys="before")})
{_ADD_CELLS}"""


REBUILD = (
    "DELETE FROM platform_segment_cells WHERE workspace_id = :ws",
    "DELETE FROM platform_user_segment_keys WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_user_segment_keys (workspace_id, user_id, {_COLUMNS})
SELECT {WS}, u.id, {_PLACE}
FROM platform_users u {_JOINS}
CROSS JOIN {ZONE} WHERE u.workspace_id = :ws
""",
    f"""
WITH moves AS ({
        _CELLS.format(
            keys="(SELECT *, 1 AS n FROM platform_user_segment_keys WHERE workspace_id = :ws) k"
        )
    })
{_ADD_CELLS}""",
    "UPDATE platform_hourly SET first_subscriptions = 0 "
    "WHERE workspace_id = :ws AND first_subscriptions <> 0",
    f"""
INSERT INTO platform_hourly AS h (workspace_id, hour, first_subscriptions)
SELECT {WS}, date_trunc('hour', first_subscription_at, 'UTC'), count(*)
FROM platform_user_segment_keys WHERE workspace_id = :ws AND first_subscription_at IS NOT NULL
GROUP BY 2
ON CONFLICT (workspace_id, hour) DO UPDATE SET first_subscriptions = EXCLUDED.first_subscriptions
""",
)
