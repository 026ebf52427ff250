"""Live updates in one process: hub, broker, metric multiplexer, relay and webhook worker,
started and stopped with the app (gateway/app.py lifespan) and found on `app.state.live`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import jobs
from gateway.settings import Settings
from subscriptions.broker import Broker, create_broker
from subscriptions.hub import Hub
from subscriptions.metrics import MetricHub
from subscriptions.relay import Relay

log = logging.getLogger(__name__)


@dataclass
class LiveUpdates:
    settings: Settings
    hub: Hub
    broker: Broker
    metrics: MetricHub
    relay: Relay | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)


def worker_options(settings: Settings) -> jobs.WorkerOptions:
    """The job engine's worker (every queue: webhooks, publishing, generation, ...)."""
    return jobs.WorkerOptions(
        concurrency=settings.worker_concurrency,
        heartbeat_seconds=settings.worker_heartbeat_seconds,
        stalled_after_seconds=settings.worker_stalled_after_seconds,
        poll_seconds=settings.worker_poll_seconds,
    )


@contextlib.asynccontextmanager
async def live_updates(
    settings: Settings, engine: AsyncEngine, dsn: str
) -> AsyncIterator[LiveUpdates]:
    hub = Hub(queue_size=settings.subscriber_queue_size)
    broker = create_broker(
        hub, redis_url=settings.redis_url, retention_seconds=settings.event_retention_seconds
    )
    live = LiveUpdates(settings, hub, broker, MetricHub(engine))
    await broker.start()
    try:
        if settings.relay_in_app:
            live.relay = Relay(dsn, broker, poll_seconds=settings.relay_poll_seconds)
            await live.relay.start()
        if settings.worker_in_app:
            runtime = jobs.Runtime(engine, settings)
            worker = jobs.run_worker(jobs.create_job_app(dsn), runtime, worker_options(settings))
            live._tasks.append(asyncio.create_task(worker, name="job-worker"))
        yield live
    finally:
        # Every step is bounded: the process must exit within its grace period even if a
        # job, a LISTEN connection or Redis does not answer.
        hub.close()  # subscribers still open end with 1001
        for task in live._tasks:
            task.cancel()
            await _bounded(_quietly(task), "job worker")
        if live.relay:
            await _bounded(live.relay.stop(), "relay")
        await _bounded(live.metrics.close(), "metric hub")
        await _bounded(broker.stop(), "broker")


SHUTDOWN_STEP_SECONDS = 5.0


async def _quietly(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task


async def _bounded(step: Awaitable[None], name: str) -> None:
    try:
        await asyncio.wait_for(step, SHUTDOWN_STEP_SECONDS)
    except TimeoutError:
        log.warning("%s did not stop within %.0fs; leaving it", name, SHUTDOWN_STEP_SECONDS)
    except Exception:
        log.warning("%s failed while stopping", name, exc_info=True)
