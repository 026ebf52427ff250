"""Writing events into the outbox from ingestion, in the batch's own transaction.

A data type opts in with `DataType(events=(SQL, ...))`: each SQL is a SELECT of
`(type, subject, payload)` rows over `{ins}` (the rows just written, `_inserted` telling new
from updated) and may use `:ws`. The engine runs them after the rollups, so an event sees
the totals its batch produced. `not_yet(type, subject_sql)` keeps "once per subject"
events (a user converts once) from repeating when a batch is re-sent with changes.
"""

from __future__ import annotations

from typing import Any

from subscriptions.events import CHANNEL

_INSERT = """
INSERT INTO events (workspace_id, id, type, subject, payload, created_at)
SELECT $1, 'evt_' || substr(md5(random()::text || clock_timestamp()::text), 1, 16),
       e.type, e.subject, e.payload, clock_timestamp()
FROM ({select}) AS e(type, subject, payload)
"""


def not_yet(event_type: str, subject_sql: str) -> str:
    """A WHERE condition: no `event_type` event was recorded for this subject before."""
    return (
        f"NOT EXISTS (SELECT 1 FROM events prior WHERE prior.workspace_id = :ws "
        f"AND prior.type = '{event_type}' AND prior.subject = {subject_sql})"
    )


async def record_ingested(raw: Any, selects: tuple[str, ...], written: str, ws: str) -> int:
    """Run a data type's event SELECTs into the outbox; nudge the relay if any were made."""
    recorded = 0
    for select in selects:
        statement = _INSERT.format(select=select.format(ins=written)).replace(":ws", "$1")
        status = await raw.execute(statement, ws)
        recorded += int(status.rsplit(" ", 1)[-1])
    if recorded:
        await raw.execute(f"SELECT pg_notify('{CHANNEL}', '')")
    return recorded
