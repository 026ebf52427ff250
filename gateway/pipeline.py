"""What every request passes before its route, as one ASGI layer.

In order: the request id, the log context, the audit entry and the access log with its
metrics (when the request ends, whatever happened), database outages turned into 503, the
body size limit, the input guard, authentication and rate limits. Each step lives in its
own module; this one only composes them. As one layer, a request pays one coroutine frame
and one `send` wrapper for all of them (the response's X-RateLimit-*, X-API-Version and
X-Request-ID headers are set there, in that order), where ten stacked middlewares cost ten
frames and six wrappers for each request and each message.

WebSockets pass the same steps that apply to them (id, log context, audit of the close
code, input guard, authentication); they authenticate in their own handshake and are
never refused for want of a credential here. A WebSocket path with an endpoint of its own
(`websocket_endpoints`: /graphql's subscriptions) goes to it directly, not through the
router: a connection keeps its chain of coroutine frames for as long as it is open, so
every layer skipped is memory that 10,000 subscribers do not hold.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.audit import record_access
from gateway.auth.middleware import authenticate
from gateway.errors import error_response
from gateway.input_guard import refusal
from gateway.observability import logs
from gateway.observability.access import record_request
from gateway.outage import database_unavailable, unavailable_response
from gateway.ratelimit import apply_limits
from gateway.request_id import (
    BodyTooLarge,
    assign_request_id,
    body_limit,
    counting_receive,
    declares_too_much,
    note_client_disconnect,
    too_large_response,
)
from gateway.rest.version import api_version_for
from subscriptions.transport_send import SCOPE_KEY as TRANSPORT_SEND

log = logging.getLogger(__name__)


class _Exchange:
    """What the request's `send` has seen, and the rate-limit headers its answer carries."""

    __slots__ = ("rate_headers", "started", "status")

    def __init__(self, status: int) -> None:
        self.status = status
        self.started = False
        self.rate_headers: dict[str, str] | None = None


class RequestPipeline:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        graphql_max_bytes: int,
        websocket_endpoints: Mapping[str, ASGIApp] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.graphql_max_bytes = graphql_max_bytes
        self.websocket_endpoints = dict(websocket_endpoints or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = assign_request_id(scope)
        logs.bind_request(request_id)
        version = api_version_for(scope["path"])
        exchange = _Exchange(status=500)
        started_at = time.perf_counter()

        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                exchange.started = True
                headers = MutableHeaders(scope=message)
                if exchange.rate_headers:
                    for name, value in exchange.rate_headers.items():
                        headers[name] = value
                if version is not None:
                    headers["X-API-Version"] = version
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            try:
                await self._limited_body(scope, receive, respond, exchange)
            except Exception as exc:
                if exchange.started or not database_unavailable(exc):
                    raise
                log.warning(
                    "database unavailable on %s %s: %s", scope["method"], scope["path"], exc
                )
                exchange.rate_headers = None  # answered here, not by the route
                await unavailable_response(scope)(scope, receive, respond)
            finally:
                record_access(scope, exchange.status)
                record_request(scope, exchange.status, time.perf_counter() - started_at)
        except ClientDisconnect:
            note_client_disconnect(scope)

    async def _limited_body(
        self, scope: Scope, receive: Receive, respond: Send, exchange: _Exchange
    ) -> None:
        limit = body_limit(
            scope, max_bytes=self.max_bytes, graphql_max_bytes=self.graphql_max_bytes
        )
        if declares_too_much(scope, limit):
            await too_large_response(scope, limit)(scope, receive, respond)
            return
        try:
            await self._checked(scope, counting_receive(receive, limit), respond, exchange)
        except BodyTooLarge:
            exchange.rate_headers = None
            await too_large_response(scope, limit)(scope, receive, respond)

    async def _checked(
        self, scope: Scope, receive: Receive, respond: Send, exchange: _Exchange
    ) -> None:
        problem, receive = await refusal(scope, receive)
        if problem is not None:
            await error_response(scope, 400, problem)(scope, receive, respond)
            return
        refused = await authenticate(scope)
        if refused is not None:
            await refused(scope, receive, respond)
            return
        limiter = scope["app"].state.rate_limiter
        if limiter is not None and limiter.scale != 0:
            refused, receive, exchange.rate_headers = await apply_limits(limiter, scope, receive)
            if refused is not None:
                await refused(scope, receive, respond)
                return
        await self.app(scope, receive, respond)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The connection's own send, for the fan-out's direct frame writes
        # (subscriptions/transport_send.py); an outer layer (tracing) may have kept it first.
        scope.setdefault(TRANSPORT_SEND, send)
        logs.bind_request(assign_request_id(scope))
        status = 101

        async def closing(message: Message) -> None:
            nonlocal status
            if message["type"] == "websocket.close":
                status = message.get("code", 1000)
            await send(message)

        try:
            try:
                problem, receive = await refusal(scope, receive)
                if problem is not None:
                    await closing({"type": "websocket.close", "code": 1008})
                    return
                await authenticate(scope)
                endpoint = self.websocket_endpoints.get(scope["path"], self.app)
                await endpoint(scope, receive, closing)
            finally:
                record_access(scope, status)
        except ClientDisconnect:
            note_client_disconnect(scope)
