"""Every request gets an id (`req_...`), echoed in X-Request-ID and in error envelopes."""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_ACCEPTABLE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
log = logging.getLogger(__name__)


# Ids name requests in logs and envelopes; they are not secrets. A random prefix per
# process and a counter keep them unique across replicas and restarts without reading the
# OS's random source on every request.
_PROCESS_PREFIX = secrets.token_hex(6)
_sequence = itertools.count(1)


def _new_process() -> None:
    global _PROCESS_PREFIX, _sequence
    _PROCESS_PREFIX, _sequence = secrets.token_hex(6), itertools.count(1)


os.register_at_fork(after_in_child=_new_process)  # a forked worker is another process


def _next_id() -> str:
    return f"req_{_PROCESS_PREFIX}{next(_sequence):x}"


def request_id_of(scope: Scope) -> str:
    return scope.get("request_id", "")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _ACCEPTABLE.match(incoming) else _next_id()
        scope["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            # The client went away while its body was being read: nobody is left to answer,
            # and nothing failed on our side (not an "unhandled error" with a traceback).
            log.info(
                "client closed the connection during %s %s (%s)",
                scope.get("method", ""),
                scope["path"],
                request_id,
            )


class BodySizeLimitMiddleware:
    """Refuse bodies over the limit with 413, before they are read into memory."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, graphql_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.graphql_max_bytes = graphql_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.graphql_max_bytes if scope["path"] == "/graphql" else self.max_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await _too_large(scope, receive, send, limit)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counting_receive, send)
        except _TooLarge:
            await _too_large(scope, receive, send, limit)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    from gateway.errors import error_response

    response = error_response(scope, 413, f"Request body larger than {limit} bytes")
    await response(scope, receive, send)
