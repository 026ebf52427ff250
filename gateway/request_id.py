"""Every request gets an id (`req_...`), echoed in X-Request-ID and in error envelopes; and
the request body's size limit (413 before a body over it is held in memory).

Both are steps of the request pipeline (gateway/pipeline.py)."""

from __future__ import annotations

import itertools
import logging
import os
import re
import secrets

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Message, Receive, Scope

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


def assign_request_id(scope: Scope) -> str:
    """The request's id: the caller's X-Request-ID when it is a plain token, else a new one;
    kept in the scope for envelopes, logs and the audit entry."""
    incoming = Headers(scope=scope).get("x-request-id", "")
    request_id = incoming if _ACCEPTABLE.match(incoming) else _next_id()
    scope["request_id"] = request_id
    return request_id


def note_client_disconnect(scope: Scope) -> None:
    # The client went away while its body was being read: nobody is left to answer, and
    # nothing failed on our side (not an "unhandled error" with a traceback).
    log.info(
        "client closed the connection during %s %s (%s)",
        scope.get("method", ""),
        scope["path"],
        scope.get("request_id", ""),
    )


def body_limit(scope: Scope, *, max_bytes: int, graphql_max_bytes: int) -> int:
    return graphql_max_bytes if scope["path"] == "/graphql" else max_bytes


def declares_too_much(scope: Scope, limit: int) -> bool:
    """A declared Content-Length over the limit: refused before anything is read."""
    declared = Headers(scope=scope).get("content-length")
    return bool(declared and declared.isdigit() and int(declared) > limit)


def counting_receive(receive: Receive, limit: int) -> Receive:
    """`receive`, raising BodyTooLarge once the body read so far passes the limit (a
    chunked body declares no length), before more of it is held in memory."""
    seen = 0

    async def counting() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge
        return message

    return counting


class BodyTooLarge(Exception):
    pass


def too_large_response(scope: Scope, limit: int) -> Response:
    from gateway.errors import error_response

    return error_response(scope, 413, f"Request body larger than {limit} bytes")
