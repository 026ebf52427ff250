"""The broker: carries published events to every replica's hub, and replays missed ones.

In-process (REDIS_URL unset): a single process; a bounded window of recent events in
memory. Redis (REDIS_URL set): one Redis Stream, `gateway:events`. Every replica reads it
from the tail (XREAD BLOCK) and fans out to its own subscribers; a reconnecting client
that names its last event id gets the events after it (XRANGE) on any replica, as long as
they are within the retention window (XADD MINID trims older ones).

Announcements (`announce`/`listen`) carry small control messages to every replica, this one
included: "forget these cached principals" when a token or key is revoked. In process they
are calls; with Redis they travel by pub/sub (at most once: a replica that misses one while
Redis is away still expires its cache by itself, gateway/auth/principal_cache.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from subscriptions.events import Event
from subscriptions.hub import Hub

log = logging.getLogger(__name__)

STREAM = "gateway:events"
_POSITION = "gateway:events:pos:"  # event id -> stream id, expiring with the window
ANNOUNCEMENTS = "gateway:announcements"
# XREAD waits this long for new events; the socket waits longer, so an idle stream is an
# empty answer, never a socket timeout.
BLOCK_SECONDS = 5.0
_SOCKET_MARGIN_SECONDS = 25.0  # generous: a busy host answers late

Listener = Callable[[Any], Any]


class CursorExpired(Exception):
    """The last event id is unknown or older than the retention window."""


class Broker(ABC):
    def __init__(self, hub: Hub, retention_seconds: int) -> None:
        self.hub = hub
        self.retention_seconds = retention_seconds
        self._listeners: dict[str, list[Listener]] = {}

    def listen(self, name: str, callback: Listener) -> None:
        """Call `callback(payload)` for every announcement `name`, from any replica."""
        self._listeners.setdefault(name, []).append(callback)

    async def announce(self, name: str, payload: Any) -> None:
        """Tell every replica (this one included)."""
        self._deliver(name, payload)

    def _deliver(self, name: str, payload: Any) -> None:
        for callback in self._listeners.get(name, ()):
            try:
                callback(payload)
            except Exception:
                log.exception("announcement listener for %s failed", name)

    async def start(self) -> None:  # noqa: B027 (optional hook)
        pass

    async def stop(self) -> None:  # noqa: B027
        pass

    @abstractmethod
    async def publish(self, events: Sequence[Event]) -> None:
        """Deliver to every replica's hub (at least once)."""

    @abstractmethod
    async def replay(self, workspace_id: str, after: str, limit: int = 1000) -> list[Event]:
        """The workspace's events published after event id (or cursor) `after`."""


class InProcessBroker(Broker):
    def __init__(self, hub: Hub, retention_seconds: int, max_events: int = 10_000) -> None:
        super().__init__(hub, retention_seconds)
        self._recent: deque[tuple[float, Event]] = deque(maxlen=max_events)
        self._sequence = itertools.count(1)

    async def publish(self, events: Sequence[Event]) -> None:
        now = time.monotonic()
        for event in events:
            cursor = f"{next(self._sequence)}"
            event = Event(**{**event.__dict__, "cursor": cursor})
            self._recent.append((now, event))
            self.hub.dispatch(event)

    async def replay(self, workspace_id: str, after: str, limit: int = 1000) -> list[Event]:
        horizon = time.monotonic() - self.retention_seconds
        window = [e for at, e in self._recent if at >= horizon]
        for index, event in enumerate(window):
            if after in (event.id, event.cursor):
                later = window[index + 1 :]
                return [e for e in later if e.workspace_id == workspace_id][:limit]
        raise CursorExpired(after)


class RedisBroker(Broker):
    def __init__(
        self, hub: Hub, retention_seconds: int, url: str, block_seconds: float = BLOCK_SECONDS
    ) -> None:
        super().__init__(hub, retention_seconds)
        import redis.asyncio as redis

        self.block_seconds = block_seconds
        self.redis = redis.Redis.from_url(
            url, socket_timeout=block_seconds + _SOCKET_MARGIN_SECONDS
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.redis.ping()
        info = await self.redis.xinfo_stream(STREAM) if await self.redis.exists(STREAM) else None
        last = info["last-generated-id"] if info else b"0-0"
        self._tasks = [
            asyncio.create_task(self._read(last), name="redis-broker-reader"),
            asyncio.create_task(self._hear(), name="redis-broker-announcements"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.redis.aclose()

    async def announce(self, name: str, payload: Any) -> None:
        await self.redis.publish(ANNOUNCEMENTS, orjson.dumps({"name": name, "payload": payload}))

    async def _hear(self) -> None:
        """Deliver every replica's announcements; resubscribe after a Redis error."""
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(ANNOUNCEMENTS)
                while True:
                    message = await pubsub.get_message(timeout=self.block_seconds)
                    if message is not None and message.get("type") == "message":
                        decoded = orjson.loads(message["data"])
                        self._deliver(decoded["name"], decoded["payload"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("Redis announcements unavailable (%s); retrying", exc)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def publish(self, events: Sequence[Event]) -> None:
        if not events:
            return
        horizon = f"{int((time.time() - self.retention_seconds) * 1000)}-0"
        async with self.redis.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(STREAM, {"e": event.to_json()}, minid=horizon, approximate=True)
            stream_ids = await pipe.execute()
        async with self.redis.pipeline(transaction=False) as pipe:
            for event, stream_id in zip(events, stream_ids, strict=True):
                pipe.set(_POSITION + event.id, stream_id, ex=self.retention_seconds)
            await pipe.execute()

    async def replay(self, workspace_id: str, after: str, limit: int = 1000) -> list[Event]:
        position = await self.redis.get(_POSITION + after) if after.startswith("evt_") else after
        if position is None:
            raise CursorExpired(after)
        start = position.decode() if isinstance(position, bytes) else position
        first = await self.redis.xrange(STREAM, min="-", max="+", count=1)
        if not first or _older(start, first[0][0].decode()):
            raise CursorExpired(after)
        events: list[Event] = []
        while len(events) < limit:
            batch = await self.redis.xrange(STREAM, min=f"({start}", max="+", count=500)
            if not batch:
                break
            for stream_id, fields in batch:
                event = Event.from_json(fields[b"e"], cursor=stream_id.decode())
                if event.workspace_id == workspace_id:
                    events.append(event)
            start = batch[-1][0].decode()
        return events[:limit]

    async def _read(self, last: bytes | str) -> None:
        """Tail the stream forever; on a Redis error, reconnect from the last id seen."""
        block_ms = int(self.block_seconds * 1000)
        while True:
            try:
                answer = await self.redis.xread({STREAM: last}, count=500, block=block_ms)
                for _stream, entries in answer or ():
                    for stream_id, fields in entries:
                        last = stream_id
                        self.hub.dispatch(Event.from_json(fields[b"e"], cursor=stream_id.decode()))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: one line per attempt, no traceback
                log.warning("reading the Redis event stream failed (%s); retrying", exc)
                await asyncio.sleep(1)


def _older(stream_id: str, than: str) -> bool:
    a, b = (tuple(int(p) for p in s.split("-")) for s in (stream_id, than))
    return a < b


def create_broker(hub: Hub, *, redis_url: str | None, retention_seconds: int) -> Broker:
    if redis_url:
        return RedisBroker(hub, retention_seconds, redis_url)
    return InProcessBroker(hub, retention_seconds)
