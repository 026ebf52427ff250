"""A WebSocket's own ASGI `send`, kept in its scope before any middleware wraps it.

A group's fan-out writes one data frame per member per event. Through the connection's
wrapped `send` each of those goes down five coroutine layers (Starlette's WebSocket and
exception handling, the audit and request-id middlewares) that act only on the handshake
and the close. Data frames take this one instead (a 10,000-member fan-out took 1.6x the
floor's broadcast before, 1.1x after, docs/benchmarks.md "Subscriber fan-out"); the
handshake, the close and everything else still go through the middlewares.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

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
