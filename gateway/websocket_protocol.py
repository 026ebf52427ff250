"""uvicorn's WebSocket protocol (websockets' sans-io), lighter per connection.

A subscriber is mostly an idle socket, so what each connection keeps is what 10,000 of them
cost. uvicorn's protocol keeps, for the connection's whole life, an `asyncio.Queue` for
the messages the app has not read yet (three deques and an Event's deque: about 3 KB,
almost always empty), an `asyncio.Event` for write flow control (another deque), and the
handshake's request and response with their headers (about 3 KB), which nothing reads
once the connection is accepted. Here the inbox is a list and one future while the app
waits, the writable flag allocates waiters only while writes are paused, and the handshake
is let go once the accept has gone out. Everything else is uvicorn's own code.

Served with `--ws gateway.websocket_protocol:LeanWebSocketProtocol` (gateway/cli.py, the
Dockerfile); docs/benchmarks.md ("Subscriber fan-out") has the measurements.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

PROTOCOL = "gateway.websocket_protocol:LeanWebSocketProtocol"  # uvicorn's `ws` option


class Inbox:
    """The single reader's queue of ASGI receive events: what `asyncio.Queue` does for one
    consumer (uvicorn's `receive`), without its always-allocated deques."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)


class WritableFlag:
    """`asyncio.Event` for the transport's flow control: waiters exist only while writing
    is paused (a client not reading), which is rare."""

    __slots__ = ("_set", "_waiters")

    def __init__(self) -> None:
        self._set = True
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> None:
        if self._set:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = WritableFlag()  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # The handshake is over: nothing reads its request or response again (the
            # scope has its own copy of the headers). websockets' parser keeps the request
            # as a local of its generator for the connection's life, hence the clear().
            self.request.headers.clear()
            self.request = self.response = None  # type: ignore[assignment]
