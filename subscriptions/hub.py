"""This process's subscribers: every event the broker delivers fans out from here.

Subscribers are indexed by workspace, so an event costs work only for its own workspace's
watchers. Each has a bounded queue: one that falls `queue_size` events behind is dropped
(its connection is closed with SLOW_CONSUMER_CODE) and nobody else waits for it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Collection

from subscriptions.events import Event, scope_for

# WebSocket close codes (docs/events.md): too slow to keep up; the server is going away.
SLOW_CONSUMER_CODE = 4008
GOING_AWAY_CODE = 1001


class SubscriberDropped(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Subscriber:
    def __init__(
        self,
        hub: Hub,
        workspace_id: str,
        types: Collection[str] | None,
        scopes: Collection[str],
        queue_size: int,
    ) -> None:
        self.hub = hub
        self.workspace_id = workspace_id
        self.types = frozenset(types) if types else None
        self.scopes = frozenset(scopes)
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue(maxsize=queue_size)
        self.dropped: SubscriberDropped | None = None

    def wants(self, event: Event) -> bool:
        if self.types is not None and event.type not in self.types:
            return False
        return scope_for(event.type) in self.scopes

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.drop(SLOW_CONSUMER_CODE, "subscriber too slow")

    def drop(self, code: int, reason: str) -> None:
        if self.dropped is None:
            self.dropped = SubscriberDropped(code, reason)
            self.hub.remove(self)
            # Discard the backlog and wake the reader with the end marker.
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(None)

    async def __aiter__(self) -> AsyncIterator[Event]:
        """Events as they come; raises SubscriberDropped when this subscriber is dropped."""
        while True:
            event = await self.queue.get()
            if event is None:
                assert self.dropped is not None
                raise self.dropped
            yield event


class Hub:
    def __init__(self, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self._by_workspace: dict[str, set[Subscriber]] = defaultdict(set)
        self._listeners: list[Callable[[Event], None]] = []
        self.closed = False

    def subscribe(
        self,
        workspace_id: str,
        *,
        types: Collection[str] | None = None,
        scopes: Collection[str],
        queue_size: int | None = None,
    ) -> Subscriber:
        subscriber = Subscriber(self, workspace_id, types, scopes, queue_size or self.queue_size)
        if self.closed:
            subscriber.drop(GOING_AWAY_CODE, "server shutting down")
        else:
            self._by_workspace[workspace_id].add(subscriber)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        watchers = self._by_workspace.get(subscriber.workspace_id)
        if watchers is not None:
            watchers.discard(subscriber)
            if not watchers:
                del self._by_workspace[subscriber.workspace_id]

    def listen(self, callback: Callable[[Event], None]) -> None:
        """Called for every event (e.g. the metric multiplexer's change detection)."""
        self._listeners.append(callback)

    def dispatch(self, event: Event) -> None:
        for subscriber in tuple(self._by_workspace.get(event.workspace_id, ())):
            if subscriber.wants(event):
                subscriber.offer(event)
        for callback in self._listeners:
            callback(event)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._by_workspace.values())

    def close(self) -> None:
        """Shutdown: every subscriber ends with 1001 (going away)."""
        self.closed = True
        for watchers in list(self._by_workspace.values()):
            for subscriber in list(watchers):
                subscriber.drop(GOING_AWAY_CODE, "server shutting down")
