"""The access audit log (spec 000's notes): who called what, when, from where, with what
outcome. Requests never wait for it: entries queue in memory (bounded; when full, the
oldest are dropped and counted) and a background task writes them in batches.

Never stored: credentials, query strings (a legacy WebSocket carries ?token=), bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Scope

from gateway.input_guard import UNSTORABLE
from gateway.principal import Principal
from models.base import new_id
from models.identity import AccessLogEntry

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
MAX_QUEUED = 50_000
_TABLE = AccessLogEntry.__tablename__
_COLUMNS = tuple(column.name for column in AccessLogEntry.__table__.columns)


class AuditLog:
    def __init__(self) -> None:
        self._pending: deque[dict[str, Any]] = deque(maxlen=MAX_QUEUED)
        self.dropped = 0

    def record(self, entry: dict[str, Any]) -> None:
        if len(self._pending) == MAX_QUEUED:
            self.dropped += 1
        self._pending.append(entry)

    async def flush(self, engine: AsyncEngine) -> int:
        batch = [self._pending.popleft() for _ in range(len(self._pending))]
        if batch:
            # COPY, not an INSERT: SQLAlchemy's per-row parameter processing for thousands of
            # entries a second was a few percent of a busy process's CPU
            async with engine.connect() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                await driver.copy_records_to_table(
                    _TABLE,
                    columns=_COLUMNS,
                    records=[tuple(entry[column] for column in _COLUMNS) for entry in batch],
                )
        return len(batch)

    @contextlib.asynccontextmanager
    async def running(self, engine: AsyncEngine) -> AsyncIterator[AuditLog]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(FLUSH_SECONDS)
                try:
                    await self.flush(engine)
                except Exception:
                    log.warning("writing the audit log failed; will retry", exc_info=True)

        task = asyncio.create_task(loop(), name="audit-log-writer")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self.flush(engine)  # what is left at shutdown


def record_access(scope: Scope, status: int) -> None:
    """Queue the request's entry (gateway/pipeline.py calls it when the request ends)."""
    scope["app"].state.audit.record(_entry(scope, status))


def _entry(scope: Scope, status: int) -> dict[str, Any]:
    principal = scope.get("principal")
    route = scope["path"]
    if operation := scope.get("audit_operation"):
        route = f"{route}:{operation}"
    client = scope.get("client")
    return {
        "id": new_id("log"),
        "workspace_id": principal.workspace_id if isinstance(principal, Principal) else None,
        "principal": principal.subject if isinstance(principal, Principal) else "anonymous",
        "principal_kind": principal.kind if isinstance(principal, Principal) else "anonymous",
        "method": scope.get("method", "WS"),
        "route": UNSTORABLE.sub("\ufffd", route)[:300],  # a refused hostile path, too
        "status": status,
        "client": client[0] if client else None,
        "request_id": scope.get("request_id", ""),
        "at": datetime.now(UTC),
    }
