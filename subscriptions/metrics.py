"""Live metrics, multiplexed: one recompute per (workspace, metric set, period), however
many clients watch it, and a push only when a value changed.

A feed starts with its first watcher and stops with its last. A watcher that joins a
running feed gets the current values at once. Each watcher keeps only the newest
values (a slow watcher skips intermediate ones instead of queueing them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# name -> scalar SQL over the platform tables and rollups (`:ws` is the workspace).
METRICS: dict[str, str] = {
    "totalUsers": "SELECT count(*) FROM platform_users WHERE workspace_id = :ws",
    "totalCharacters": "SELECT count(*) FROM characters WHERE workspace_id = :ws",
    "totalMessages": (
        "SELECT coalesce(sum(total_messages), 0) FROM character_stats WHERE workspace_id = :ws"
    ),
    "activeSubscriptions": (
        "SELECT count(*) FROM subscriptions WHERE workspace_id = :ws AND status = 'active'"
    ),
    "revenue": (
        "SELECT coalesce(sum(amount), 0) FROM transactions "
        "WHERE workspace_id = :ws AND status = 'completed'"
    ),
    # Monthly active users: distinct users active in the last 30 local days (as
    # dashboardSummary.overview.monthlyActiveUsers, from the same rollup).
    "activeUsers": (
        "SELECT coalesce(sum(g.subjects), 0) FROM platform_activity_gaps g, "
        "(SELECT (now() AT TIME ZONE coalesce(settings->>'timezone', 'UTC'))::date - 29 AS first "
        "FROM workspaces WHERE id = :ws) w WHERE g.workspace_id = :ws AND g.kind = 'user' "
        "AND g.day BETWEEN w.first AND w.first + 29 AND g.prev_day < w.first"
    ),
    "adSpend": "SELECT coalesce(sum(spend), 0) FROM ad_performance WHERE workspace_id = :ws",
    "totalPosts": "SELECT count(*) FROM posts WHERE workspace_id = :ws",
    # Spec 004's engagement rate over the last 30 UTC days, as /v1/dashboard/metrics
    # computes it for `30d` (docs/metrics.md): engagement per 100 reached, 2 decimals.
    "engagementRate": (
        "SELECT coalesce(round(sum(engagement)::numeric * 100 / nullif(sum(reach), 0), 2), 0) "
        "FROM platform_daily_metrics WHERE workspace_id = :ws "
        "AND date > (now() AT TIME ZONE 'UTC')::date - 30"
    ),
}
MIN_PERIOD, MAX_PERIOD = 1, 3600


@dataclass(frozen=True)
class MetricValue:
    metric: str
    value: float
    previous: float | None
    change: float  # percent change from the previous value (0 for the first)
    timestamp: datetime


class UnknownMetric(ValueError):
    pass


class _Feed:
    def __init__(self, hub: MetricHub, key: tuple[str, tuple[str, ...], int]) -> None:
        self.hub, self.key = hub, key
        self.watchers: set[asyncio.Queue[list[MetricValue]]] = set()
        self.values: dict[str, MetricValue] = {}
        self.recomputes = 0
        self.task = asyncio.create_task(self._run(), name=f"metrics-{key}")

    async def _run(self) -> None:
        workspace_id, metrics, period = self.key
        statement = text(
            "SELECT " + ", ".join(f"({METRICS[m]}) AS m{i}" for i, m in enumerate(metrics))
        )
        while True:
            try:
                async with self.hub.engine.connect() as connection:
                    row = (await connection.execute(statement, {"ws": workspace_id})).one()
                self.recomputes += 1
                self.hub.recomputes += 1
                changed = self._update(metrics, row)
                if changed:
                    for queue in tuple(self.watchers):
                        _put_latest(queue, changed)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("recomputing metrics %s failed", metrics)
            await asyncio.sleep(period)

    def _update(self, metrics: Sequence[str], row: Sequence[object]) -> list[MetricValue]:
        now = datetime.now(UTC)
        changed = []
        for metric, raw in zip(metrics, row, strict=True):
            value = float(raw) if isinstance(raw, int | float | Decimal) else 0.0
            old = self.values.get(metric)
            if old is not None and old.value == value:
                continue
            previous = old.value if old else None
            change = round((value - previous) / previous * 100, 1) if previous else 0.0
            self.values[metric] = MetricValue(metric, value, previous, change, now)
            changed.append(self.values[metric])
        return changed


def _put_latest(queue: asyncio.Queue[list[MetricValue]], values: list[MetricValue]) -> None:
    if queue.full():
        merged = {v.metric: v for v in queue.get_nowait()}
        merged.update({v.metric: v for v in values})
        values = list(merged.values())
    queue.put_nowait(values)


class MetricHub:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._feeds: dict[tuple[str, tuple[str, ...], int], _Feed] = {}
        self.recomputes = 0

    @staticmethod
    def check(metrics: Sequence[str], period: int) -> tuple[tuple[str, ...], int]:
        unknown = sorted(set(metrics) - METRICS.keys())
        if unknown or not metrics:
            raise UnknownMetric(
                f"unknown metrics {unknown}; known: {sorted(METRICS)}" if unknown else "no metrics"
            )
        if not MIN_PERIOD <= period <= MAX_PERIOD:
            raise UnknownMetric(f"period must be {MIN_PERIOD}..{MAX_PERIOD} seconds")
        return tuple(sorted(set(metrics))), period

    async def watch(
        self, workspace_id: str, metrics: Sequence[str], period: int
    ) -> AsyncIterator[list[MetricValue]]:
        key = (workspace_id, *self.check(metrics, period))
        feed = self._feeds.get(key) or self._feeds.setdefault(key, _Feed(self, key))
        queue: asyncio.Queue[list[MetricValue]] = asyncio.Queue(maxsize=1)
        if feed.values:
            queue.put_nowait(list(feed.values.values()))
        feed.watchers.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            feed.watchers.discard(queue)
            if not feed.watchers and self._feeds.get(key) is feed:
                del self._feeds[key]
                feed.task.cancel()

    def feed_count(self) -> int:
        return len(self._feeds)

    async def close(self) -> None:
        for feed in list(self._feeds.values()):
            feed.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed.task
        self._feeds.clear()
