"""Enrolling leads into the active sequences whose trigger they match, set-based.

Spec 003's sequence trigger is `{"type": ..., "value": ...}`; the gateway knows two:
- `tag_added`: the lead gains the tag `value` (new with it, or an update that adds it);
- `lead_created`: a lead is created (from the source `value`, when one is given).

Every path that writes leads (the import mutation, REST's import, ingestion) runs the same
statement in its own transaction: the enrolments exist exactly when the leads do. It
writes each enrolment due at its first step's delay (once per sequence and lead, ever) and
defers one run of each sequence touched at the earliest due time (sequences.py sends),
however many leads matched. Only active leads are enrolled.
"""

from __future__ import annotations

from typing import Any

from resolvers.errors import BadUserInput

TRIGGERS = ("tag_added", "lead_created")
RUN_TASK = "organic:run_sequence"
# SQL spelling of RUN_TASK: `:name` would read as a bind parameter in a text() statement.
_TASK_SQL = "'organic:' || 'run_sequence'"


def checked_trigger(trigger: dict[str, Any]) -> dict[str, Any]:
    kind, value = trigger.get("type"), trigger.get("value")
    if kind not in TRIGGERS:
        raise BadUserInput(
            f"Unknown trigger type {kind!r}: one of {', '.join(TRIGGERS)}",
            details={"trigger.type": f"one of {', '.join(TRIGGERS)}"},
        )
    if kind == "tag_added" and not (isinstance(value, str) and value):
        raise BadUserInput(
            "A tag_added trigger names its tag in value",
            details={"trigger.value": "the tag that starts the sequence"},
        )
    if value is not None and not isinstance(value, str):
        raise BadUserInput("trigger.value must be a string", details={"trigger.value": "string"})
    return {"type": kind, "value": value}


def defer_runs(due: str) -> str:
    """SQL deferring a run per row of `due` (workspace_id, sequence_id, due_at), unless a
    run of that sequence already waits to start no later."""
    return f"""
SELECT procrastinate_defer_jobs_v1(array_agg(ROW('organic', {_TASK_SQL}, 0, NULL, NULL,
         jsonb_build_object('workspace_id', d.workspace_id, 'sequence_id', d.sequence_id),
         d.due_at)::procrastinate_job_to_defer_v1))
FROM ({due}) d
WHERE NOT EXISTS (
  SELECT 1 FROM procrastinate_jobs j
  WHERE j.task_name = {_TASK_SQL} AND j.status = 'todo'
    AND j.args = jsonb_build_object('workspace_id', d.workspace_id, 'sequence_id', d.sequence_id)
    AND coalesce(j.scheduled_at, '-infinity') <= d.due_at)
HAVING count(*) > 0
"""


def enrol_sql(leads: str) -> str:
    """The enrolment statement over `leads`, a FROM item of the leads just written with
    columns (id, tags, status, source, _new, _old_tags); `:ws` is their workspace."""
    return f"""
WITH matched AS (
  SELECT s.workspace_id, s.id AS sequence_id, l.id AS lead_id, f.id AS step_id,
         f.delay_seconds
  FROM {leads} l
  JOIN email_sequences s ON s.workspace_id = CAST(:ws AS text) AND s.status = 'active'
  CROSS JOIN LATERAL (
    SELECT st.id, st.delay_seconds FROM sequence_steps st
    WHERE st.workspace_id = s.workspace_id AND st.sequence_id = s.id
    ORDER BY st.position, st.id LIMIT 1) f
  WHERE l.status = 'active' AND (
    (s.trigger ->> 'type' = 'lead_created' AND l._new
      AND (s.trigger ->> 'value' IS NULL OR s.trigger ->> 'value' = l.source))
    OR (s.trigger ->> 'type' = 'tag_added' AND s.trigger ->> 'value' = ANY(l.tags)
      AND NOT coalesce(s.trigger ->> 'value' = ANY(l._old_tags), false)))
), enrolled AS (
  INSERT INTO sequence_enrollments
    (workspace_id, sequence_id, lead_id, status, enrolled_at, next_step_id, due_at)
  SELECT workspace_id, sequence_id, lead_id, 'enrolled', now(), step_id,
         now() + make_interval(secs => delay_seconds)
  FROM matched
  ON CONFLICT DO NOTHING
  RETURNING workspace_id, sequence_id, due_at
)
{defer_runs("SELECT workspace_id, sequence_id, min(due_at) AS due_at FROM enrolled GROUP BY 1, 2")}
"""


# The leads an import just created, by their ids (`:ids`): joined to an unnest on the
# primary key, each found by the index (an `= ANY(array)` filter can be planned as a scan
# comparing every row with every element, quadratic on a fresh table without statistics).
IMPORTED = enrol_sql(
    "(SELECT l.id, l.tags, l.status, l.source, true AS _new, "
    "CAST(NULL AS text[]) AS _old_tags FROM unnest(CAST(:ids AS text[])) AS w(id) "
    "JOIN leads l ON l.workspace_id = :ws AND l.id = w.id)"
)
# Ingestion's rollup over the leads of a batch: `{ins}` the rows written, `{old}` the
# updated ones as they were (matched by email, the leads' conflict key).
INGESTED = enrol_sql(
    "(SELECT i.id, i.tags, i.status, i.source, i._inserted AS _new, o.tags AS _old_tags "
    "FROM {ins} i LEFT JOIN {old} o ON o.email = i.email)"
)
