"""Spec 002's day rollups (migration 0020) recomputed from the raw rows: interaction_days,
user_days and user_activity from interactions, end_user_days from end_users. Triggers keep
them on every write; this rebuild (rollup_rebuild.py) replaces a workspace's rows with what
the raw rows give, set-based, in the caller's transaction. Days are UTC days, as the
triggers and the analytics that read them count them (whatever the workspace's timezone).

The rebuild leaves no row at zero (the triggers keep those after deletes; readers skip
them), so the two agree on every row with a count.
"""

from __future__ import annotations

from gateway.ingestion.activity_rollups import WS

# The key interactions without a configured channel are counted under (as the triggers do).
NO_CHANNEL = "CAST('00000000-0000-0000-0000-000000000000' AS uuid)"
_DAY = "(created_at AT TIME ZONE 'UTC')::date"

REBUILD = (
    "DELETE FROM interaction_days WHERE workspace_id = :ws",
    "DELETE FROM user_days WHERE workspace_id = :ws",
    "DELETE FROM user_activity WHERE workspace_id = :ws",
    "DELETE FROM end_user_days WHERE workspace_id = :ws",
    f"""
INSERT INTO interaction_days (workspace_id, day, channel, channel_id, interaction_type, is_ai,
  interactions, response_seconds_sum, responses, satisfaction_sum, ratings)
SELECT {WS}, {_DAY}, channel, coalesce(channel_id, {NO_CHANNEL}), interaction_type, is_ai,
  count(*), coalesce(sum(response_time_seconds), 0), count(response_time_seconds),
  coalesce(sum(satisfaction_score), 0), count(satisfaction_score)
FROM interactions WHERE workspace_id = :ws
GROUP BY 2, 3, 4, 5, 6
""",
    f"""
INSERT INTO user_days (workspace_id, day, user_id, channel_id, interactions)
SELECT {WS}, {_DAY}, user_id, coalesce(channel_id, {NO_CHANNEL}), count(*)
FROM interactions WHERE workspace_id = :ws
GROUP BY 2, 3, 4
""",
    f"""
INSERT INTO user_activity (workspace_id, user_id, last_at)
SELECT {WS}, user_id, max(created_at) FROM interactions WHERE workspace_id = :ws GROUP BY 2
""",
    f"""
INSERT INTO end_user_days (workspace_id, day, channel, is_active, users)
SELECT {WS}, {_DAY}, channel, is_active, count(*) FROM end_users WHERE workspace_id = :ws
GROUP BY 2, 3, 4
""",
)
