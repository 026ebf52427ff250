"""SQL keeping the subscription rollups (models/platform_rollups.py) current: active
subscriptions per tier, subscriptions per local day of their start, cancellation and end,
and per due day of their month-N retention. Subscriptions are upserted, so each written row
adds its contributions and its pre-image (`{old}`, locked by the engine until commit) takes
the old ones away: a status change moves counts instead of adding to them. (As for the
user and character facets, the pre-image is exact for rows that existed when the batch
began: two batches creating the same new subscription id at the same moment would both
count it; a rebuild puts that right.)

The subscriptions' users get their `platform_user_stats` subscription columns recomputed
from the raw rows and are re-placed in the segment cells (segment_rollups.py), after
`lock_users` has ordered them against other batches of the same users.
"""

from __future__ import annotations

from gateway.ingestion.activity_rollups import WS, ZONE
from gateway.ingestion.segment_rollups import lock_users, resegment, touched_users
from models.platform_rollups import RETENTION_DUE, RETENTION_KEPT, RETENTION_MONTHS

_MONTHS = ", ".join(f"({m})" for m in RETENTION_MONTHS)

_COLUMNS = "tier_id, status, created_at, cancelled_at, ends_at"
DUE, KEPT = RETENTION_DUE, RETENTION_KEPT


def _days(source: str) -> str:
    """(kind, local day, n) of the subscriptions in `source` (columns _COLUMNS and n)."""
    return f"""
SELECT v.kind, v.day, s.n FROM {source} s CROSS JOIN {ZONE} CROSS JOIN LATERAL (VALUES
  ('created', (s.created_at AT TIME ZONE z.tz)::date),
  ('cancelled', (s.cancelled_at AT TIME ZONE z.tz)::date),
  ('gone', CASE WHEN LEAST(s.cancelled_at, s.ends_at) IS NOT NULL  -- (GREATEST skips NULLs)
     THEN GREATEST((s.created_at AT TIME ZONE z.tz)::date,
                   (LEAST(s.cancelled_at, s.ends_at) AT TIME ZONE z.tz)::date) END)
) v(kind, day) WHERE v.day IS NOT NULL"""


def _retention(source: str) -> str:
    """(months, UTC due day, n, kept n) of the subscriptions in `source`."""
    return f"""
SELECT m.months, ({DUE} AT TIME ZONE 'UTC')::date AS due_on, s.n,
  CASE WHEN {KEPT.format(due=DUE)} THEN s.n ELSE 0 END AS kept
FROM {source} s CROSS JOIN (VALUES {_MONTHS}) m(months)"""


_CHANGES = f"""(SELECT {_COLUMNS}, 1 AS n FROM {{ins}}
  UNION ALL SELECT {_COLUMNS}, -1 FROM {{old}})"""

COUNTS = (
    f"""
INSERT INTO platform_tier_subscriptions AS t (workspace_id, tier_id, active)
SELECT {WS}, tier_id, sum(n) FROM {_CHANGES} c WHERE status = 'active'
GROUP BY tier_id HAVING sum(n) <> 0 ORDER BY tier_id
ON CONFLICT (workspace_id, tier_id) DO UPDATE SET active = t.active + EXCLUDED.active
""",
    f"""
INSERT INTO platform_subscription_days AS d (workspace_id, kind, day, subscriptions)
SELECT {WS}, kind, day, sum(n) FROM ({_days(_CHANGES)}) x
GROUP BY kind, day HAVING sum(n) <> 0 ORDER BY kind, day
ON CONFLICT (workspace_id, kind, day)
  DO UPDATE SET subscriptions = d.subscriptions + EXCLUDED.subscriptions
""",
    f"""
INSERT INTO platform_subscription_retention AS r
  (workspace_id, months, due_on, subscriptions, kept)
SELECT {WS}, months, due_on, sum(n), sum(kept) FROM ({_retention(_CHANGES)}) x
GROUP BY months, due_on HAVING sum(n) <> 0 OR sum(kept) <> 0 ORDER BY months, due_on
ON CONFLICT (workspace_id, months, due_on)
  DO UPDATE SET subscriptions = r.subscriptions + EXCLUDED.subscriptions,
    kept = r.kept + EXCLUDED.kept
""",
)


def _user_subscriptions(users: str) -> str:
    """Recompute platform_user_stats' subscription columns for the users in `users`."""
    return f"""
INSERT INTO platform_user_stats AS s
  (workspace_id, user_id, first_subscription_at, active_subscriptions)
SELECT {WS}, t.user_id, min(b.created_at), count(b.id) FILTER (WHERE b.status = 'active')
FROM ({users}) t
LEFT JOIN subscriptions b ON b.workspace_id = :ws AND b.user_id = t.user_id
GROUP BY t.user_id
ON CONFLICT (workspace_id, user_id) DO UPDATE SET
  first_subscription_at = EXCLUDED.first_subscription_at,
  active_subscriptions = EXCLUDED.active_subscriptions
"""


_USERS = ("{ins}.user_id", "{old}.user_id")  # a subscription may move to another user

SUBSCRIPTIONS = (
    lock_users(*_USERS),
    *COUNTS,
    _user_subscriptions(touched_users(*_USERS)),
    resegment(*_USERS),
)


REBUILD_USER_STATS = (
    "UPDATE platform_user_stats SET first_subscription_at = NULL, active_subscriptions = 0 "
    "WHERE workspace_id = :ws AND (first_subscription_at IS NOT NULL OR active_subscriptions <> 0)",
    _user_subscriptions("SELECT DISTINCT user_id FROM subscriptions WHERE workspace_id = :ws"),
)

_ALL = f"(SELECT {_COLUMNS}, 1 AS n FROM subscriptions WHERE workspace_id = :ws)"

REBUILD = (
    "DELETE FROM platform_tier_subscriptions WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_tier_subscriptions (workspace_id, tier_id, active)
SELECT {WS}, tier_id, count(*) FROM subscriptions WHERE workspace_id = :ws AND status = 'active'
GROUP BY tier_id
""",
    "DELETE FROM platform_subscription_days WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_subscription_days (workspace_id, kind, day, subscriptions)
SELECT {WS}, kind, day, sum(n) FROM ({_days(_ALL)}) x GROUP BY kind, day
""",
    "DELETE FROM platform_subscription_retention WHERE workspace_id = :ws",
    f"""
INSERT INTO platform_subscription_retention (workspace_id, months, due_on, subscriptions, kept)
SELECT {WS}, months, due_on, sum(n), sum(kept) FROM ({_retention(_ALL)}) x
GROUP BY months, due_on
""",
)
