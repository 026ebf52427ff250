"""Spec 002's events (coaching hub), as ingestion event SELECTs of (type, subject, payload).

Used by gateway/ingestion/coaching.py through `DataType(events=...)`; docs/events.md gives
each payload. Keys are snake_case like spec 002's webhook example (`user_id`, `channel`,
`profile_data`). Changes are found against `{old}`, the row before the batch, so re-sending
unchanged data records nothing.
"""

from __future__ import annotations

from subscriptions.outbox import iso_sql

# The end user fields a change of which is a `user.updated` (not last_active_at: the
# interactions move it, and an update event per message would drown the real ones).
_USER_FIELDS = (
    "external_id",
    "channel",
    "profile_data",
    "timezone",
    "language",
    "is_active",
    "engagement_score",
)
_CHANGED = (
    "ARRAY["
    + ", ".join(f"CASE WHEN o.{c} IS DISTINCT FROM i.{c} THEN '{c}' END" for c in _USER_FIELDS)
    + "]"
)


def _user(extra: str = "") -> str:
    return f"""jsonb_build_object(
  'user_id', i.id, 'external_id', i.external_id, 'channel', i.channel,
  'profile_data', i.profile_data, 'timezone', i.timezone, 'language', i.language,
  'is_active', i.is_active, 'engagement_score', i.engagement_score,
  'created_at', {iso_sql("i.created_at")}{extra})"""


USER_CREATED = f"""
SELECT 'user.created', i.id::text, {_user()}
FROM {{ins}} i WHERE i._inserted
"""

USER_UPDATED = f"""
SELECT 'user.updated', c.id::text, c.payload FROM (
  SELECT i.id, {_user(", 'changed', array_remove(" + _CHANGED + ", NULL)")} AS payload,
         array_remove({_CHANGED}, NULL) AS changed
  FROM {{ins}} i JOIN {{old}} o ON o.id = i.id
  WHERE NOT i._inserted
) c WHERE cardinality(c.changed) > 0
"""

PROGRAM_ENROLLED = f"""
SELECT 'program.enrolled', i.id::text, jsonb_build_object(
  'enrollment_id', i.id, 'user_id', i.user_id, 'program_id', i.program_id,
  'status', i.status, 'enrolled_at', {iso_sql("i.enrolled_at")})
FROM {{ins}} i WHERE i._inserted
"""

# An enrollment written as completed, new or not completed before the batch. `badge_id`
# is what the flow walk awarded (gateway/coaching/walking.py); ingestion awards none, but
# the key is there, so the event has one shape whoever records it.
PROGRAM_COMPLETED = f"""
SELECT 'program.completed', i.id::text, jsonb_build_object(
  'enrollment_id', i.id, 'user_id', i.user_id, 'program_id', i.program_id,
  'enrolled_at', {iso_sql("i.enrolled_at")}, 'completed_at', {iso_sql("i.completed_at")},
  'badge_id', NULL)
FROM {{ins}} i LEFT JOIN {{old}} o ON o.id = i.id
WHERE i.status = 'completed' AND o.status IS DISTINCT FROM 'completed'
"""


def _interaction(event_type: str, key: str, where: str) -> str:
    return f"""
SELECT '{event_type}', i.id::text, jsonb_build_object(
  '{key}', i.id, 'user_id', i.user_id, 'channel', i.channel, 'channel_id', i.channel_id,
  'program_id', i.program_id, 'created_at', {iso_sql("i.created_at")})
FROM {{ins}} i WHERE i._inserted AND {where}
"""


# Interaction types are named from the end user's side (spec 002 lists a user's own
# messages as `message_sent`): "a new message from the user" is a message_sent that is not
# the AI's. Interactions are append-only, so a re-sent one is not in {ins} again.
MESSAGE_RECEIVED = _interaction(
    "message.received", "message_id", "i.interaction_type = 'message_sent' AND NOT i.is_ai"
)
ESCALATION_CREATED = _interaction(
    "escalation.created", "escalation_id", "i.interaction_type = 'human_escalation'"
)


def user_payload(user: object) -> dict[str, object]:
    """The `user.*` payload of an end user row, as the SQL above builds it."""
    from subscriptions.events import iso

    row: object = user
    return {
        "user_id": str(row.id),  # type: ignore[attr-defined]
        **{name: getattr(row, name) for name in _USER_FIELDS},
        "created_at": iso(row.created_at),  # type: ignore[attr-defined]
    }
