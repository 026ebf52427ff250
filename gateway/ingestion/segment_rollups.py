"""SQL keeping `platform_segment_cells` (models/platform_rollups.py) current: after a batch
changes users' message counts, last activity, registration or revenue, each touched user's
stored place (`platform_user_segment_keys`) is taken out of the cells and the new one put in,
in one statement: its snapshot still holds the old keys while it writes the new ones.

Batches touching the same user are ordered by the row locks taken earlier in their
transactions (platform_users.last_active_at, platform_user_stats), so a key is never
read by one batch while another is changing it.
"""

from __future__ import annotations

from gateway.ingestion.activity_rollups import WS, ZONE

_PLACE = """
  CASE WHEN coalesce(s.messages, 0) >= 100 THEN 'ge100'
       WHEN coalesce(s.messages, 0) >= 10 THEN '10to99' ELSE 'lt10' END AS band,
  (u.last_active_at AT TIME ZONE z.tz)::date AS active_day,
  (coalesce(u.last_active_at, u.created_at) AT TIME ZONE z.tz)::date AS seen_day,
  (u.created_at AT TIME ZONE z.tz)::date AS registered_on,
  coalesce(s.revenue, 0) AS revenue"""

_CELLS = """
  SELECT band, active_day AS day, n, n * revenue AS revenue FROM {keys} WHERE active_day IS NOT NULL
  UNION ALL SELECT 'seen', seen_day, n, n * revenue FROM {keys}
  UNION ALL SELECT 'reg', registered_on, n, n * revenue FROM {keys}
  UNION ALL SELECT 'paid', '-infinity', n, n * revenue FROM {keys} WHERE revenue > 0"""


def resegment(user_column: str) -> str:
    """Re-place the users named by `{ins}.<user_column>`."""
    return f"""
WITH touched AS (SELECT DISTINCT {user_column} AS user_id FROM {{ins}}),
placed AS (
  SELECT u.id AS user_id, {_PLACE}, 1 AS n
  FROM touched t JOIN platform_users u ON u.workspace_id = :ws AND u.id = t.user_id
  LEFT JOIN platform_user_stats s ON s.workspace_id = u.workspace_id AND s.user_id = u.id
  CROSS JOIN {ZONE}
),
before AS (
  SELECT k.user_id, k.band, k.active_day, k.seen_day, k.registered_on, k.revenue, -1 AS n
  FROM touched t
  JOIN platform_user_segment_keys k ON k.workspace_id = :ws AND k.user_id = t.user_id
),
saved AS (
  INSERT INTO platform_user_segment_keys AS k
    (workspace_id, user_id, band, active_day, seen_day, registered_on, revenue)
  SELECT {WS}, user_id, band, active_day, seen_day, registered_on, revenue FROM placed
  ON CONFLICT (workspace_id, user_id) DO UPDATE SET band = EXCLUDED.band,
    active_day = EXCLUDED.active_day, seen_day = EXCLUDED.seen_day,
    registered_on = EXCLUDED.registered_on, revenue = EXCLUDED.revenue
),
moves AS ({_CELLS.format(keys="placed")} UNION ALL {_CELLS.format(keys="before")})
INSERT INTO platform_segment_cells AS c (workspace_id, band, day, users, revenue)
SELECT {WS}, band, day, sum(n), sum(revenue) FROM moves GROUP BY band, day
HAVING sum(n) <> 0 OR sum(revenue) <> 0
ON CONFLICT (workspace_id, band, day)
  DO UPDATE SET users = c.users + EXCLUDED.users, revenue = c.revenue + EXCLUDED.revenue
"""


REBUILD = (
    "DELETE FROM platform_segment_cells WHERE workspace_id = :ws",
    "DELETE FROM platform_user_segment_keys WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_user_segment_keys
  (workspace_id, user_id, band, active_day, seen_day, registered_on, revenue)
SELECT {WS}, u.id, {_PLACE}
FROM platform_users u
LEFT JOIN platform_user_stats s ON s.workspace_id = u.workspace_id AND s.user_id = u.id
CROSS JOIN {ZONE} WHERE u.workspace_id = :ws
""",
    f"""
INSERT INTO platform_segment_cells (workspace_id, band, day, users, revenue)
SELECT {WS}, band, day, sum(n), sum(revenue) FROM ({
        _CELLS.format(
            keys="(SELECT *, 1 AS n FROM platform_user_segment_keys WHERE workspace_id = :ws) k"
        )
    }) c GROUP BY band, day
""",
)
