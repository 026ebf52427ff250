"""The relay: outbox -> broker + webhook deliveries, at least once, once per replica set.

Each pass claims up to `batch_size` unpublished events with FOR UPDATE SKIP LOCKED (so
replicas running the relay side by side never take the same event), records one delivery
per matching active webhook and defers its job (both in this transaction: a delivery
exists exactly when the event is marked published), hands the events to the broker and
commits. If the process dies before the commit, the rows unlock and another pass
publishes them again (same ids), which is why subscribers may see an event twice but
never miss one. Passes run on a LISTEN/NOTIFY nudge from committing writers, and every
`poll_seconds` regardless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncpg
import orjson

from subscriptions.broker import Broker
from subscriptions.events import CHANNEL, Event
from subscriptions.webhooks.jobs import QUEUE, TASK_NAME

log = logging.getLogger(__name__)

_CLAIM = """
SELECT workspace_id, id, type, subject, payload, created_at FROM events
WHERE published_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED
"""

# One delivery per (active webhook, event) it subscribes to, and its job, atomically.
_ENQUEUE = f"""
WITH e AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS e(workspace_id, id, type)
), d AS (
  INSERT INTO webhook_deliveries (workspace_id, id, webhook_id, event_id, event_type, status,
                                  attempts, created_at)
  SELECT e.workspace_id, 'dlv_' || substr(md5(random()::text || w.id || e.id), 1, 16),
         w.id, e.id, e.type, 'pending', 0, clock_timestamp()
  FROM e JOIN webhooks w ON w.workspace_id = e.workspace_id AND w.status = 'active'
                        AND (e.type = ANY(w.events) OR '*' = ANY(w.events))
  ON CONFLICT DO NOTHING
  RETURNING workspace_id, id
)
SELECT coalesce(array_length(procrastinate_defer_jobs_v1(array_agg(ROW(
  '{QUEUE}', '{TASK_NAME}', 0, NULL, NULL,
  jsonb_build_object('workspace_id', d.workspace_id, 'delivery_id', d.id), NULL
)::procrastinate_job_to_defer_v1)), 1), 0) FROM d HAVING count(*) > 0
"""

_MARK = """
UPDATE events SET published_at = clock_timestamp()
WHERE (workspace_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
"""


class Relay:
    def __init__(
        self, dsn: str, broker: Broker, *, poll_seconds: float = 1.0, batch_size: int = 500
    ) -> None:
        self.dsn = dsn
        self.broker = broker
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self._nudged = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.published = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def publish_pending(self, connection: asyncpg.Connection) -> int:
        """One pass; returns how many events it published."""
        async with connection.transaction():
            rows = await connection.fetch(_CLAIM, self.batch_size)
            if not rows:
                return 0
            events = [_event(row) for row in rows]
            ws, ids, types = (
                [getattr(e, a) for e in events] for a in ("workspace_id", "id", "type")
            )
            await connection.execute(_ENQUEUE, ws, ids, types)
            await self.broker.publish(events)
            await connection.execute(_MARK, ws, ids)
        self.published += len(events)
        return len(events)

    async def _run(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self.dsn)
                try:
                    await connection.add_listener(CHANNEL, self._nudge)
                    await self._loop(connection)
                finally:
                    with contextlib.suppress(Exception):
                        await connection.close()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; restarting")
                await asyncio.sleep(1)

    async def _loop(self, connection: asyncpg.Connection) -> None:
        while True:
            self._nudged.clear()
            if await self.publish_pending(connection) >= self.batch_size:
                continue  # more waiting: no pause
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self.poll_seconds)

    def _nudge(self, *_: Any) -> None:
        self._nudged.set()


def _event(row: asyncpg.Record) -> Event:
    payload = row["payload"]
    return Event(
        id=row["id"],
        workspace_id=row["workspace_id"],
        type=row["type"],
        payload=orjson.loads(payload) if isinstance(payload, str) else payload,
        created_at=row["created_at"],
        subject=row["subject"],
    )
