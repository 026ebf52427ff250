"""A WebSocket's own ASGI `send`, kept in its scope before any middleware wraps it, and
under uvicorn's websockets sans-io protocol a way to write a ready frame straight to the
socket.

A group's fan-out writes one data frame per member per event. Through the connection's
wrapped `send` each of those goes down five coroutine layers (Starlette's WebSocket and
exception handling, the audit and request-id middlewares) that act only on the handshake
and the close, then uvicorn's own `send`, which frames the text again for every member.
Data frames skip all of it: the group frames each distinct message once (websockets'
`Frame`) and writes the bytes to each member's transport. The handshake, the close and
everything else still go through the middlewares and uvicorn; so does a data frame whenever
the direct write does not apply (a paused, closing or compressed connection, another
server).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:  # recent uvicorn; its default WebSocket protocol when websockets is installed
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

SCOPE_KEY = "gateway.transport_send"


class KeepTransportSend:
    """Outermost of the app's middlewares: Starlette's error middleware, outside it, passes
    WebSocket `send` through unwrapped."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SCOPE_KEY] = send
        await self.app(scope, receive, send)


def text_frame(text: str) -> bytes:
    """One unmasked, uncompressed text frame, as a server sends it."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


def frame_writer(send: Any) -> Callable[[bytes], bool] | None:
    """For a connection served by uvicorn's websockets sans-io protocol without extensions:
    a function writing a frame to its socket, False when it cannot now (not open, closing,
    paused by a full buffer), so that the caller sends through ASGI instead. None for any
    other server."""
    protocol = getattr(send, "__self__", None)
    if WebSocketsSansIOProtocol is None or not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    if protocol.conn.extensions:
        return None

    def write(frame: bytes) -> bool:
        if (
            protocol.close_sent
            or protocol.disconnected
            or protocol.conn.state is not State.OPEN
            or not protocol.writable.is_set()
        ):
            return False
        try:
            protocol.transport.write(frame)
        except Exception:  # a transport gone under it: the ASGI send will say so
            return False
        return True

    return write
