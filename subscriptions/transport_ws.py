"""graphql-transport-ws on /graphql, served over the connection's ASGI receive and send.

A subscriber is an idle socket for most of its life, and what it holds while idle is what
10,000 of them cost. Through Starlette's router and Strawberry's view each connection kept,
for its whole life, ten more coroutine frames (exception handling, the router, the route,
the view's `run`, Starlette's `receive_text`), a Starlette WebSocket and Strawberry's
adapter over it. Here the request pipeline hands the connection straight to this endpoint
(gateway/pipeline.py), which accepts it and runs the protocol's handler
(subscriptions/fanout_ws.py: Strawberry's own, with live subscriptions grouped) over a
small adapter. Anything else (graphql-ws, no subprotocol we speak, a refused Origin) goes to
Strawberry's view, which answers it as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Coroutine, Mapping
from typing import Any

from starlette.requests import HTTPConnection
from starlette.types import Receive, Scope, Send
from strawberry.http.exceptions import (
    NonJsonMessageReceived,
    NonTextMessageReceived,
    WebSocketDisconnected,
)
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.graphql_view import connection_context
from subscriptions.fanout_ws import FanOutTransportWSHandler
from subscriptions.transport_send import SCOPE_KEY as TRANSPORT_SEND
from subscriptions.transport_send import frame_writer


class ASGISocket:
    """What the protocol handler reads from and writes to (Strawberry's
    AsyncWebSocketAdapter, as its ASGI adapter behaves over Starlette's WebSocket): JSON
    text messages in and out, and the close, over the ASGI receive and send."""

    __slots__ = ("_frame_writer", "_receive", "_send", "closed", "scope", "view")

    def __init__(self, view: Any, scope: Scope, receive: Receive, send: Send) -> None:
        """Made once the connection is accepted: its extensions are settled by then."""
        self.view, self.scope, self._receive, self._send = view, scope, receive, send
        self.closed = False
        self._frame_writer = frame_writer(scope.get(TRANSPORT_SEND))

    async def iter_json(
        self, *, ignore_parsing_errors: bool = False
    ) -> AsyncGenerator[object, None]:
        # nothing of a message stays referenced here while the next one is awaited
        while not self.closed:
            text = _text_of(await self._receive())
            if text is None:
                self.closed = True
                return
            try:
                decoded = self.view.decode_json(text)
            except ValueError as exc:  # orjson's and json's JSONDecodeError
                if not ignore_parsing_errors:
                    raise NonJsonMessageReceived from exc
                continue
            del text
            yield decoded
            del decoded

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        await self.send_text(encoded if isinstance(encoded, str) else encoded.decode())

    async def send_text(self, text: str) -> None:
        if self.closed:
            raise WebSocketDisconnected
        try:
            await self._send({"type": "websocket.send", "text": text})
        except OSError as exc:  # the server's ClientDisconnected: the client is gone
            self.closed = True
            raise WebSocketDisconnected from exc

    def write_frame(self, frame: bytes) -> bool:
        """A ready text frame straight to the socket (subscriptions/transport_send.py);
        False when that does not apply now, and the caller sends through ASGI."""
        write = self._frame_writer
        return write is not None and not self.closed and write(frame)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):  # already gone: nothing to close
            await self._send({"type": "websocket.close", "code": code, "reason": reason or ""})


def _text_of(message: Mapping[str, Any]) -> str | None:
    """A received message's text; None once the client has disconnected."""
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if text is None:
        raise NonTextMessageReceived
    return text  # type: ignore[no-any-return]


class ConnectionRequest(HTTPConnection):
    """The connection as resolvers see it (`info.context.request`): the app, the scope,
    headers and URLs, and `close` (the hub drops a subscriber with a close code)."""

    def __init__(self, scope: Scope, socket: ASGISocket) -> None:
        super().__init__(scope)
        self._socket = socket

    def close(self, code: int = 1000, reason: str | None = None) -> Coroutine[Any, Any, None]:
        return self._socket.close(code, reason or "")


class TransportWSEndpoint:
    """The WebSocket side of /graphql."""

    def __init__(self, view: Any) -> None:
        self.view = view

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._serves(scope, receive):
            await self.view(scope, receive, send)  # graphql-ws, 4406, a refused Origin
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return  # gone before the handshake
        await send({"type": "websocket.accept", "subprotocol": GRAPHQL_TRANSPORT_WS_PROTOCOL})
        socket = ASGISocket(self.view, scope, receive, send)
        context = connection_context(ConnectionRequest(scope, socket))
        view = self.view
        await FanOutTransportWSHandler(
            view=view,
            websocket=socket,
            context=context,
            root_value=None,
            schema=view.schema,
            connection_init_wait_timeout=view.connection_init_wait_timeout,
            max_subscriptions_per_connection=view.max_subscriptions_per_connection,
        ).handle()

    def _serves(self, scope: Scope, receive: Receive) -> bool:
        """graphql-transport-ws is the subprotocol Strawberry's view would choose (the
        client's first one it speaks), from an Origin it accepts (the view's own check,
        so that its allowed origins stay the one rule)."""
        offered = scope.get("subprotocols") or ()
        chosen = next((p for p in offered if p in self.view.protocols), None)
        if chosen != GRAPHQL_TRANSPORT_WS_PROTOCOL:
            return False
        return bool(self.view._check_websocket_origin(HTTPConnection(scope, receive)))
