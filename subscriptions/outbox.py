"""Writing events into the outbox from ingestion, in the batch's own transaction.

A data type opts in with `DataType(events=(SQL, ...))`: each SQL is a SELECT of
`(type, subject, payload)` rows over `{ins}` (the rows just written, `_inserted` telling new
from updated) and may use `:ws`. Upserted types may also read `{old}`: the rows the batch
updated as they were before it (captured and locked by the engine before the upsert), so
an event can fire on a change ("status became published") rather than on every re-send.
The engine runs them after the rollups, so an event sees the totals its batch produced.
`not_yet(type, subject_sql)` keeps "once per subject" events (a user converts once) from
repeating when a batch is re-sent with changes.
"""

from __future__ import annotations

from typing import Any

from subscriptions.events import CHANNEL

# Ordered by subject: a batch's events of one SELECT get their created_at (evaluated after
# the sort) in subject order, so (created_at, subject) orders the outbox deterministically
# even when rows share a microsecond.
_INSERT = """
INSERT INTO events (workspace_id, id, type, subject, payload, created_at)
SELECT $1, 'evt_' || substr(md5(random()::text || clock_timestamp()::text), 1, 16),
       e.type, e.subject, e.payload, clock_timestamp()
FROM ({select}) AS e(type, subject, payload)
ORDER BY e.subject
"""


def not_yet(event_type: str, subject_sql: str) -> str:
    """A WHERE condition: no `event_type` event was recorded for this subject before."""
    return (
        f"NOT EXISTS (SELECT 1 FROM events prior WHERE prior.workspace_id = :ws "
        f"AND prior.type = '{event_type}' AND prior.subject = {subject_sql})"
    )


async def record_ingested(
    raw: Any, selects: tuple[str, ...], written: str, ws: str, *, before: str | None = None
) -> int:
    """Run a data type's event SELECTs into the outbox; nudge the relay if any were made."""
    recorded = 0
    for select in selects:
        sql = select.format(ins=written, old=before)
        statement = _INSERT.format(select=sql).replace(":ws", "$1")
        status = await raw.execute(statement, ws)
        recorded += int(status.rsplit(" ", 1)[-1])
    if recorded:
        await raw.execute(f"SELECT pg_notify('{CHANNEL}', '')")
    return recorded


def iso_sql(column: str) -> str:
    """SQL for a timestamptz as `subscriptions.events.iso` writes it: `2024-09-15T10:30:00Z`,
    with milliseconds only when the time has a fraction of a second; NULL stays NULL."""
    fmt = 'YYYY-MM-DD"T"HH24:MI:SS'
    return (
        f"CASE WHEN date_trunc('second', {column}) = {column} "
        f"THEN to_char({column} AT TIME ZONE 'UTC', '{fmt}\"Z\"') "
        f"ELSE to_char({column} AT TIME ZONE 'UTC', '{fmt}.MS\"Z\"') END"
    )
