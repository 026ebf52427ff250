"""The proactive engine: every active rule evaluated by one scheduled job (docs/metrics.md,
"Proactive engine").

A run, in one transaction, with a fixed number of statements whatever the number of end
users (set-based SQL, never a loop per user):

1. fire: every active `inactivity` rule against the end users it applies to. A user is
   inactive once `threshold_hours` have passed since their last activity (`last_active_at`,
   or `created_at` when they never were active). The time after that activity is cut into
   threshold windows; a rule fires at most once per user and window, because
   `window_start` is unique per (rule, user): a second run in the same window, or a run
   beside it on another worker, inserts nothing. A user still inactive a whole threshold
   later is in the next window and is triggered again.
2. deliver the rule's `send_message` actions that are due (`delay_minutes` after the
   trigger): proactive_delivery.py.
3. successes: a trigger succeeded when the user wrote (an interaction `message_sent` that
   is not the AI's) after its first message went out and within
   `proactive_success_window_hours` of it; `responded_at` is that first reply. A user who
   came back before any message went out got none, and their trigger does not succeed.

Only rules whose trigger_conditions.type is `inactivity` (the one spec 002 documents) are
evaluated; other types, which ingestion may carry, are kept and listed but never fire.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.coaching import proactive_delivery
from gateway.coaching.proactive_delivery import scope
from gateway.jobs.runtime import Runtime
from models.coaching import CHANNEL_TYPES

TASK = "coaching:evaluate_proactive_rules"
CRON = "* * * * *"  # every minute: the resolution of delay_minutes
# Who a rule applies to (trigger_conditions.applies_to): everyone, users in an active
# enrolment, users in none, or the users of one channel type.
AUDIENCES = ("all_users", "enrolled_users", "unenrolled_users", *CHANNEL_TYPES)
MAX_DELAY_MINUTES = 7 * 24 * 60


# Rules in a state to fire, with their threshold in seconds (a malformed number never
# reaches the cast: jsonb_typeof guards it).
RULES_CTE = f"""
rules AS (
  SELECT r.workspace_id, r.id,
         coalesce(r.trigger_conditions->>'applies_to', 'all_users') AS audience,
         CASE WHEN jsonb_typeof(r.trigger_conditions->'threshold_hours') = 'number'
              THEN (r.trigger_conditions->>'threshold_hours')::float8 * 3600 END AS secs
  FROM proactive_rules r
  WHERE r.is_active AND r.trigger_conditions->>'type' = 'inactivity' AND {scope("r")}
)"""

_ENROLLED = """EXISTS (SELECT 1 FROM enrollments e WHERE e.workspace_id = u.workspace_id
                  AND e.user_id = u.id AND e.status = 'active')"""

FIRE = text(f"""
WITH {RULES_CTE},
candidates AS (
  SELECT r.workspace_id, r.id AS rule_id, u.id AS user_id,
         coalesce(u.last_active_at, u.created_at) AS anchor, r.secs
  FROM rules r
  JOIN end_users u ON u.workspace_id = r.workspace_id
  WHERE r.secs > 0 AND u.is_active
    AND coalesce(u.last_active_at, u.created_at)
        <= CAST(:now AS timestamptz) - make_interval(secs => r.secs)
    AND (r.audience = 'all_users'
         OR (r.audience = 'enrolled_users' AND {_ENROLLED})
         OR (r.audience = 'unenrolled_users' AND NOT {_ENROLLED})
         OR r.audience = u.channel)
),
windows AS (
  SELECT c.workspace_id, c.rule_id, c.user_id,
         c.anchor + make_interval(secs => c.secs
           * floor(extract(epoch FROM CAST(:now AS timestamptz) - c.anchor) / c.secs)::float8)
           AS window_start
  FROM candidates c
)
INSERT INTO rule_triggers (workspace_id, id, rule_id, user_id, triggered_at, window_start,
                           pending, succeeded)
SELECT w.workspace_id, gen_random_uuid(), w.rule_id, w.user_id, CAST(:now AS timestamptz),
       w.window_start, true, false
FROM windows w
WHERE NOT EXISTS (
  SELECT 1 FROM rule_triggers t
  WHERE t.workspace_id = w.workspace_id AND t.rule_id = w.rule_id
    AND t.user_id = w.user_id AND t.window_start = w.window_start)
ON CONFLICT (workspace_id, rule_id, user_id, window_start) DO NOTHING
""")

# The delay of each rule's first and last message (minutes, 0 when not given).
DELAYS_CTE = f"""
delays AS (
  SELECT r.workspace_id, r.id,
         min(least(greatest(coalesce(CASE WHEN jsonb_typeof(a->'delay_minutes') = 'number'
               THEN (a->>'delay_minutes')::float8 END, 0), 0), {MAX_DELAY_MINUTES})) AS first_min,
         max(least(greatest(coalesce(CASE WHEN jsonb_typeof(a->'delay_minutes') = 'number'
               THEN (a->>'delay_minutes')::float8 END, 0), 0), {MAX_DELAY_MINUTES})) AS last_min
  FROM proactive_rules r
  CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(r.actions) = 'array' THEN r.actions ELSE '[]'::jsonb END) a
  WHERE a->>'type' = 'send_message'
  GROUP BY r.workspace_id, r.id
)"""

# A trigger stops being pending once its last message was due (or its rule is gone quiet).
SETTLE = text(f"""
WITH {DELAYS_CTE}
UPDATE rule_triggers t SET pending = false
FROM proactive_rules r LEFT JOIN delays d ON d.workspace_id = r.workspace_id AND d.id = r.id
WHERE t.pending AND {scope("t")} AND r.workspace_id = t.workspace_id AND r.id = t.rule_id
  AND (NOT r.is_active
       OR t.triggered_at + make_interval(secs => coalesce(d.last_min, 0) * 60)
          <= CAST(:now AS timestamptz))
""")

SUCCEED = text(f"""
WITH {DELAYS_CTE},
replies AS (
  SELECT t.workspace_id, t.id, min(i.created_at) AS first_reply
  FROM rule_triggers t
  JOIN delays d ON d.workspace_id = t.workspace_id AND d.id = t.rule_id
  JOIN interactions i ON i.workspace_id = t.workspace_id AND i.user_id = t.user_id
   AND i.interaction_type = 'message_sent' AND NOT i.is_ai
   AND i.created_at > t.triggered_at + make_interval(secs => d.first_min * 60)
   AND i.created_at <= t.triggered_at + make_interval(secs => d.first_min * 60)
                       + make_interval(secs => CAST(:window_secs AS float8))
  -- a message went out to the user before the reply (none does if they came back first)
  WHERE EXISTS (
    SELECT 1 FROM interactions s
    WHERE s.workspace_id = t.workspace_id AND s.user_id = t.user_id
      AND s.interaction_type = 'message_received' AND s.content IS NOT NULL
      AND s.created_at >= t.triggered_at AND s.created_at <= i.created_at)
    AND NOT t.succeeded AND t.window_start IS NOT NULL AND {scope("t")}
    AND t.triggered_at >= CAST(:now AS timestamptz)
                          - make_interval(secs => CAST(:window_secs AS float8))
                          - make_interval(mins => {MAX_DELAY_MINUTES})
  GROUP BY t.workspace_id, t.id
)
UPDATE rule_triggers t SET succeeded = true, responded_at = r.first_reply
FROM replies r WHERE t.workspace_id = r.workspace_id AND t.id = r.id
""")


@dataclass(frozen=True)
class RunResult:
    triggered: int
    delivered: int
    succeeded: int


async def evaluate_in(
    session: AsyncSession,
    *,
    now: dt.datetime,
    success_window_hours: float,
    workspace_id: str | None = None,
) -> RunResult:
    """One run of the engine at `now` (over one workspace, or all), in the caller's
    transaction."""
    at = {"now": now, "ws": workspace_id}
    fired = await session.execute(FIRE, at)
    delivered = await proactive_delivery.deliver_due(session, now=now, workspace_id=workspace_id)
    await session.execute(SETTLE, at)
    won = await session.execute(SUCCEED, {**at, "window_secs": success_window_hours * 3600})
    return RunResult(fired.rowcount, len(delivered), won.rowcount)  # type: ignore[attr-defined]


async def evaluate(
    runtime: Runtime, timestamp: float | None = None, workspace_id: str | None = None
) -> RunResult:
    """The scheduled run: `timestamp` is the tick procrastinate deferred it for."""
    if workspace_id is None and not runtime.settings.proactive_schedule:
        return RunResult(0, 0, 0)
    now = (
        dt.datetime.fromtimestamp(timestamp, dt.UTC)
        if timestamp is not None
        else dt.datetime.now(dt.UTC)
    )
    async with runtime.sessions.begin() as session:
        return await evaluate_in(
            session,
            now=now,
            success_window_hours=runtime.settings.proactive_success_window_hours,
            workspace_id=workspace_id,
        )
