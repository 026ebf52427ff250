"""Spec 000's events, as ingestion event SELECTs (see subscriptions/outbox.py).

Used by gateway/ingestion/platform_*.py through `DataType(events=...)`; docs/events.md
describes each payload. Every SELECT yields (type, subject, payload).
"""

from __future__ import annotations

from subscriptions.outbox import not_yet


def _ts(column: str) -> str:
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


# Marks a total has to cross for milestone.reached (the 10,000th user, the millionth message).
MILESTONES = (100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000)
_MARKS = "unnest(ARRAY" + repr(list(MILESTONES)) + "::bigint[])"

# A new registered user, or a temporary one who registered (was temporary before the batch).
USER_REGISTERED = f"""
SELECT 'user.registered', i.id, jsonb_build_object(
  'userId', i.id, 'username', i.username, 'language', i.language, 'country', i.country,
  'device', i.device, 'createdAt', {_ts("i.created_at")})
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id
WHERE NOT i.is_temporary AND (i._inserted OR o.is_temporary)
"""


def _milestone(metric: str, total_sql: str, added_sql: str) -> str:
    """One event per mark the total crossed in this batch (total - added < mark <= total)."""
    subject = f"'{metric}:' || mark"
    return f"""
SELECT 'milestone.reached', {subject}, jsonb_build_object(
  'milestone', '{metric}', 'value', mark, 'total', t.total, 'reachedAt', {_ts("clock_timestamp()")})
FROM (SELECT ({total_sql}) AS total, ({added_sql}) AS added) t, {_MARKS} AS mark
WHERE t.total - t.added < mark AND mark <= t.total AND {not_yet("milestone.reached", subject)}
"""


USERS_MILESTONE = _milestone(
    "users",
    "SELECT count(*) FROM platform_users WHERE workspace_id = :ws",
    "SELECT count(*) FROM {ins} WHERE _inserted",
)
MESSAGES_MILESTONE = _milestone(
    "messages",
    "SELECT coalesce(sum(total_messages), 0) FROM character_stats WHERE workspace_id = :ws",
    "SELECT count(*) FROM {ins} WHERE _inserted",
)

CHARACTER_CREATED = f"""
SELECT 'character.created', i.id, jsonb_build_object(
  'characterId', i.id, 'name', i.name, 'creatorId', i.creator_id, 'category', i.category,
  'createdAt', {_ts("i.created_at")})
FROM {{ins}} i WHERE i._inserted
"""

SUBSCRIPTION_CREATED = f"""
SELECT 'subscription.created', i.id, jsonb_build_object(
  'subscriptionId', i.id, 'userId', i.user_id, 'tierId', i.tier_id, 'status', i.status,
  'createdAt', {_ts("i.created_at")})
FROM {{ins}} i WHERE i._inserted
"""

SUBSCRIPTION_CANCELLED = f"""
SELECT 'subscription.cancelled', i.id, jsonb_build_object(
  'subscriptionId', i.id, 'userId', i.user_id, 'tierId', i.tier_id,
  'cancelledAt', {_ts("i.cancelled_at")})
FROM {{ins}} i WHERE i.status = 'cancelled' AND {not_yet("subscription.cancelled", "i.id")}
"""

# A user's first completed payment, once per user (a later pending -> completed update of
# the first payment counts too, since updated rows are in {ins} as well).
USER_CONVERTED = f"""
SELECT 'user.converted', f.user_id, jsonb_build_object(
  'userId', f.user_id, 'transactionId', f.id, 'type', f.type, 'amount', f.amount,
  'currency', f.currency, 'convertedAt', {_ts("f.created_at")})
FROM (SELECT DISTINCT ON (user_id) * FROM {{ins}} WHERE status = 'completed'
      ORDER BY user_id, created_at, id) f
WHERE {not_yet("user.converted", "f.user_id")}
"""
