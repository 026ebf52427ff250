"""Delivering the proactive engine's messages: each due `send_message` action of a pending
trigger, its template rendered for the user, recorded as the interaction the user got
(`message_received`, named from the user's side as walking.py does) on the user's channel,
with the text in `content`.

This is the one place a channel adapter's send takes over: the statement returns what was
recorded, once (an interaction's id is derived from its trigger and the action's position,
so a run repeated or run twice at once records each message once).

Placeholders: {user_name} (profile_data.name, or "there"), {first_name} (its first word),
{channel} (the user's channel type), {days_inactive} (whole days since the user's last
activity). A message whose user came back after the trigger is not sent.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

NAME_FALLBACK = "there"


def scope(alias: str) -> str:
    """Rows of every workspace, or of the one `:ws` names (a run for one workspace)."""
    return f"(CAST(:ws AS text) IS NULL OR {alias}.workspace_id = CAST(:ws AS text))"


_NAME = f"coalesce(nullif(btrim(u.profile_data->>'name'), ''), '{NAME_FALLBACK}')"
_RENDERED = f"""
replace(replace(replace(replace(d.action->>'message_template',
  '{{user_name}}', {_NAME}),
  '{{first_name}}', split_part({_NAME}, ' ', 1)),
  '{{channel}}', u.channel),
  '{{days_inactive}}', floor(extract(epoch FROM d.now - coalesce(u.last_active_at, u.created_at))
                             / 86400)::bigint::text)"""

_DELAY = """coalesce(CASE WHEN jsonb_typeof(a.action->'delay_minutes') = 'number'
                    THEN greatest((a.action->>'delay_minutes')::float8, 0) END, 0)"""

DELIVER = text(f"""
WITH due AS (
  SELECT t.workspace_id, t.id AS trigger_id, t.user_id, t.triggered_at, a.action, a.ord,
         CAST(:now AS timestamptz) AS now
  FROM rule_triggers t
  JOIN proactive_rules r ON r.workspace_id = t.workspace_id AND r.id = t.rule_id
  CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(r.actions) = 'array' THEN r.actions ELSE '[]'::jsonb END)
    WITH ORDINALITY a(action, ord)
  WHERE t.pending AND r.is_active AND {scope("t")}
    AND a.action->>'type' = 'send_message'
    AND jsonb_typeof(a.action->'message_template') = 'string'
    AND t.triggered_at + make_interval(secs => {_DELAY} * 60) <= CAST(:now AS timestamptz)
)
INSERT INTO interactions (workspace_id, id, user_id, channel, interaction_type, is_ai,
                          content, created_at)
SELECT d.workspace_id, md5(d.trigger_id::text || '/' || d.ord::text)::uuid, u.id, u.channel,
       'message_received', false, {_RENDERED}, d.now
FROM due d
JOIN end_users u ON u.workspace_id = d.workspace_id AND u.id = d.user_id
WHERE coalesce(u.last_active_at, u.created_at) <= d.triggered_at
ON CONFLICT DO NOTHING
RETURNING workspace_id, id, user_id, channel, content
""")


@dataclass(frozen=True)
class Delivered:
    workspace_id: str
    interaction_id: uuid.UUID
    user_id: uuid.UUID
    channel: str
    text: str


async def deliver_due(
    session: AsyncSession, *, now: dt.datetime, workspace_id: str | None = None
) -> list[Delivered]:
    """Record every message due at `now` and not recorded yet; what was recorded."""
    rows = await session.execute(DELIVER, {"now": now, "ws": workspace_id})
    return [Delivered(*row) for row in rows]
