"""Sending a sequence's steps to its enrolled leads, each after its delay (a job per
sequence, deferred for the earliest due step: enrolment.py, then each run for the next).

A run holds the sequence's advisory lock (session-level, so a dead worker's lock goes
with its connection): runs of one sequence never overlap, whichever worker has them (one
that finds it taken runs again a few seconds later instead of waiting on a connection),
and a future run waiting in the queue blocks nobody (procrastinate's job lock would). In
batches, with sending.py's bookkeeping: one statement claims the due enrolments (SKIP
LOCKED), writes their messages `pending` and moves each enrolment on to its next step
(due that step's delay from now), or ends it `completed`, or `stopped` when the lead has
unsubscribed or bounced; the run commits that, sends, then settles. A message left
`pending` by a dead worker is marked failed, never resent: every (step, lead) is sent at
most once, and the lead moves on.

A step's condition is evaluated in the same statement, when the step falls due: an
`email_opened` step (`{"type": "email_opened", "stepId": ...}`) is sent only if the lead
opened that earlier step's email (its open pixel: opens.py); otherwise its message is
recorded `skipped`, nothing is sent, and the enrolment moves on to the next step on its
schedule (due that step's delay after this one fell due), as after a send. Create refuses
other condition types (campaigns.py); one that arrived otherwise (ingestion) is never met.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update

from gateway.adapters import email as email_adapter
from gateway.jobs.runtime import Runtime
from gateway.organic import enrolment, sending
from models.base import utcnow
from models.organic import EmailSequence, SequenceStep
from models.organic_work import EmailMessage

BATCH = 200
BUSY_RETRY = timedelta(seconds=5)

_CLAIM = text(
    """
WITH due AS (
  SELECT e.lead_id, e.next_step_id, l.status AS lead_status, l.email, l.name
  FROM sequence_enrollments e
  JOIN leads l ON l.workspace_id = e.workspace_id AND l.id = e.lead_id
  WHERE e.workspace_id = :ws AND e.sequence_id = :seq AND e.status = 'enrolled'
    AND e.due_at <= now()
  ORDER BY e.due_at, e.lead_id
  LIMIT :batch
  FOR UPDATE OF e SKIP LOCKED
), current AS (
  SELECT d.*, st.id AS step_id, st.position,
         -- the step's condition, when it has one (none is SQL or JSON null): the lead
         -- opened the named step's email
         jsonb_typeof(st.condition) IS DISTINCT FROM 'object'
         OR (st.condition ->> 'type' = 'email_opened' AND EXISTS (
           SELECT 1 FROM email_messages o
           WHERE o.workspace_id = :ws AND o.step_id = st.condition ->> 'stepId'
             AND o.lead_id = d.lead_id AND o.opened_at IS NOT NULL)) AS met
  FROM due d LEFT JOIN sequence_steps st
    ON st.workspace_id = :ws AND st.sequence_id = :seq AND st.id = d.next_step_id
), following AS (
  SELECT c.lead_id, c.lead_status, n.id AS next_id, n.delay_seconds
  FROM current c LEFT JOIN LATERAL (
    SELECT s.id, s.delay_seconds FROM sequence_steps s
    WHERE s.workspace_id = :ws AND s.sequence_id = :seq AND c.step_id IS NOT NULL
      AND (s.position, s.id) > (c.position, c.step_id)
    ORDER BY s.position, s.id LIMIT 1) n ON true
), moved AS (
  UPDATE sequence_enrollments e
  SET status = CASE WHEN f.lead_status <> 'active' THEN 'stopped'
                    WHEN f.next_id IS NULL THEN 'completed' ELSE 'enrolled' END,
      next_step_id = CASE WHEN f.lead_status = 'active' THEN f.next_id END,
      due_at = CASE WHEN f.lead_status = 'active' AND f.next_id IS NOT NULL
                    THEN now() + make_interval(secs => f.delay_seconds) END
  FROM following f
  WHERE e.workspace_id = :ws AND e.sequence_id = :seq AND e.lead_id = f.lead_id
  RETURNING e.lead_id
), claimed AS (
  INSERT INTO email_messages (workspace_id, id, step_id, lead_id, email, status, attempts,
                              created_at)
  SELECT :ws, 'msg_' || substr(md5(random()::text || c.lead_id || c.step_id), 1, 16),
         c.step_id, c.lead_id, c.email, CASE WHEN c.met THEN 'pending' ELSE 'skipped' END,
         CASE WHEN c.met THEN 1 ELSE 0 END, now()
  FROM current c WHERE c.lead_status = 'active' AND c.step_id IS NOT NULL
  ON CONFLICT (workspace_id, step_id, lead_id) DO NOTHING
  RETURNING id, lead_id, email, step_id, status
)
SELECT (SELECT count(*) FROM moved) AS moved,
       coalesce(jsonb_agg(jsonb_build_object('id', m.id, 'lead_id', m.lead_id,
         'email', m.email, 'step_id', m.step_id, 'name', d.name,
         'workspace_id', CAST(:ws AS text)) ORDER BY m.id)
         FILTER (WHERE m.status = 'pending'), '[]') AS messages
FROM claimed m JOIN due d ON d.lead_id = m.lead_id
"""
)
_NEXT_RUN = text(
    enrolment.defer_runs(
        "SELECT workspace_id, sequence_id, min(due_at) AS due_at FROM sequence_enrollments "
        "WHERE workspace_id = :ws AND sequence_id = :seq AND status = 'enrolled' "
        "AND due_at IS NOT NULL GROUP BY 1, 2"
    )
)
_RETRY = text(
    enrolment.defer_runs(
        "SELECT CAST(:ws AS text) AS workspace_id, CAST(:seq AS text) AS sequence_id, "
        "CAST(:at AS timestamptz) AS due_at"
    )
)
# Overdue enrolments whose run was never deferred or was lost (the periodic sweep).
SWEEP = text(
    enrolment.defer_runs(
        "SELECT workspace_id, sequence_id, min(due_at) AS due_at FROM sequence_enrollments "
        "WHERE status = 'enrolled' AND due_at <= now() - interval '1 minute' "
        "GROUP BY 1, 2 LIMIT 500"
    )
)


async def run_sequence(runtime: Runtime, workspace_id: str, sequence_id: str) -> str:
    key = {"key": f"sequence:{workspace_id}:{sequence_id}"}
    async with runtime.engine.connect() as guard:
        locked = await guard.scalar(
            text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))"), key
        )
        await guard.commit()
        if not locked:  # another run has it: look again shortly, holding no connection
            async with runtime.sessions.begin() as session:
                at = utcnow() + BUSY_RETRY
                await session.execute(_RETRY, {"ws": workspace_id, "seq": sequence_id, "at": at})
            return "another run is going"
        try:
            return await _run(runtime, workspace_id, sequence_id)
        finally:
            await guard.execute(text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))"), key)
            await guard.commit()


async def _run(runtime: Runtime, workspace_id: str, sequence_id: str) -> str:
    async with runtime.sessions.begin() as session:
        sequence = await session.get(EmailSequence, (workspace_id, sequence_id))
        if sequence is None or sequence.status != "active":
            return "not active"
        steps = {
            step.id: dict(step.content)
            for step in await session.scalars(
                select(SequenceStep).where(
                    SequenceStep.workspace_id == workspace_id,
                    SequenceStep.sequence_id == sequence_id,
                )
            )
        }
        ours = EmailMessage.step_id.in_(list(steps))
        # Holding the lock, any `pending` message is a dead run's: failed, not resent.
        await session.execute(
            update(EmailMessage)
            .where(
                EmailMessage.workspace_id == workspace_id, ours, EmailMessage.status == "pending"
            )
            .values(status="failed", error="interrupted mid-send; not resent")
        )
    sender = email_adapter.from_settings(runtime.settings, runtime.sessions)
    total = 0
    while True:
        async with runtime.sessions.begin() as session:
            batch = await sending.claim_deferred(session, workspace_id, ours)
            moved = 0
            if not batch:
                moved, batch = await claim(session, workspace_id, sequence_id)
        if not batch and not moved:
            break
        results = [
            (m, await sender.send(sending.compose(runtime, m, steps[m["step_id"]]))) for m in batch
        ]
        if results:
            async with runtime.sessions.begin() as session:
                total += await sending.settle(session, workspace_id, results)
    await _next_run(runtime, workspace_id, sequence_id, ours)
    return f"{total} sent"


async def claim(session: Any, workspace_id: str, sequence_id: str) -> tuple[int, list[dict]]:
    """One batch of due enrolments: how many moved on, and the messages to send now (a step
    whose condition the lead did not meet is recorded `skipped` instead)."""
    row = (
        await session.execute(_CLAIM, {"ws": workspace_id, "seq": sequence_id, "batch": BATCH})
    ).one()
    return row.moved, list(row.messages)


async def _next_run(runtime: Runtime, workspace_id: str, sequence_id: str, ours: Any) -> None:
    """Defer the run for the earliest step still due, and for refused messages' retry."""
    names = {"ws": workspace_id, "seq": sequence_id}
    async with runtime.sessions.begin() as session:
        await session.execute(_NEXT_RUN, names)
        retried = await session.scalar(
            select(EmailMessage.sent_at)
            .where(
                EmailMessage.workspace_id == workspace_id,
                ours,
                EmailMessage.status == "deferred",
                EmailMessage.attempts < sending.MAX_ATTEMPTS,
            )
            .order_by(EmailMessage.sent_at)
            .limit(1)
        )
        if retried is not None:
            at = retried + sending.RETRY_DEFERRED + timedelta(seconds=1)
            await session.execute(_RETRY, {**names, "at": at})
        else:  # out of attempts: failed for good
            await session.execute(
                update(EmailMessage)
                .where(
                    EmailMessage.workspace_id == workspace_id,
                    ours,
                    EmailMessage.status == "deferred",
                )
                .values(status="failed", error="still deferred after the last attempt")
            )
