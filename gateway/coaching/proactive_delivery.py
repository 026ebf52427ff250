"""Delivering the proactive engine's messages: each due `send_message` action of a pending
trigger, its template rendered for the user, recorded as the interaction the user got
(`message_received`, named from the user's side as walking.py does) on the user's channel,
with the text in `content`, and queued as that channel's outbound message
(`channel_messages`) with its `coaching:deliver_message` job, which hands it to the
channel's adapter as it does a flow's messages (gateway/coaching/delivery.py).

One statement whatever the number of messages: the interactions, the channel messages and
the jobs (procrastinate's own `procrastinate_defer_jobs_v1`, given them all at once) are
written together. An interaction's id is derived from its trigger and the action's
position, so a run repeated or run twice at once records and queues each message once.
The channel is the workspace's active channel of the user's type (else its oldest one);
a user whose type has no channel gets the interaction without a channel message.

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

from gateway.coaching import delivery

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
),
sent AS (
  INSERT INTO interactions (workspace_id, id, user_id, channel, channel_id, interaction_type,
                            is_ai, content, created_at)
  SELECT d.workspace_id, md5(d.trigger_id::text || '/' || d.ord::text)::uuid, u.id,
         u.channel, c.id, 'message_received', false, {_RENDERED}, d.now
  FROM due d
  JOIN end_users u ON u.workspace_id = d.workspace_id AND u.id = d.user_id
  LEFT JOIN LATERAL (
    SELECT ch.id FROM channels ch
    WHERE ch.workspace_id = u.workspace_id AND ch.channel_type = u.channel
    ORDER BY (ch.status = 'active') DESC, ch.created_at, ch.id LIMIT 1
  ) c ON true
  WHERE coalesce(u.last_active_at, u.created_at) <= d.triggered_at
  ON CONFLICT DO NOTHING
  RETURNING workspace_id, id, user_id, channel, channel_id, content
),
queued AS (
  INSERT INTO channel_messages (workspace_id, id, user_id, channel_id, channel, direction,
                                text, status, interaction_id, attempts, created_at)
  SELECT s.workspace_id, md5(s.id::text || '/outbound')::uuid, s.user_id, s.channel_id,
         s.channel, 'outbound', s.content, 'pending', s.id, 0, CAST(:now AS timestamptz)
  FROM sent s WHERE s.channel_id IS NOT NULL
  RETURNING workspace_id, id
),
deferred AS (
  SELECT count(*) AS jobs FROM unnest(procrastinate_defer_jobs_v1(ARRAY(
    SELECT ROW(CAST(:queue AS text), CAST(:task AS text), 0, NULL, NULL,
               jsonb_build_object('workspace_id', q.workspace_id, 'message_id', q.id::text),
               NULL)::procrastinate_job_to_defer_v1
    FROM queued q)))
)
SELECT s.workspace_id, s.id, s.user_id, s.channel, s.content
FROM sent s CROSS JOIN deferred
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
    rows = await session.execute(
        DELIVER, {"now": now, "ws": workspace_id, "queue": delivery.QUEUE, "task": delivery.TASK}
    )
    return [Delivered(*row) for row in rows]
