"""Text PostgreSQL cannot store is refused at the edge, before any handler sees it.

PostgreSQL text holds neither NUL characters nor unpaired UTF-16 surrogates (JSON may carry
both as `\\u0000` and `\\ud800`). Such a string in a path id, a query parameter or a JSON body
(upload records, batch ids, profile fields, key names, GraphQL variables) would otherwise
reach the database and fail there. The answer is 400 in the caller's format. String literals
inside a GraphQL document are checked by the schema (resolvers/protection.py).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# A NUL or surrogate escape somewhere in a JSON text (a cheap test before a full parse).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def unstorable(value: Any, depth: int = 0) -> bool:
    """Whether a decoded JSON value holds text PostgreSQL cannot store."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if depth > 200:
        return False  # deeper than any parser here accepts anyway
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v, depth + 1) for v in value)
    return False


def _bad_url(scope: Scope) -> str | None:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    if b"\x00" in unquote_to_bytes(raw_path) or UNSTORABLE.search(scope["path"]):
        return "the path"
    if b"\x00" in unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" ")):
        return "a query parameter"
    return None


def _bad_body(body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if not _SUSPECT_ESCAPE.search(body):
        return False
    try:  # the standard parser keeps lone surrogates, so it can find them
        return unstorable(json.loads(body))
    except (ValueError, RecursionError):
        return False  # not JSON: the handler answers that


async def refusal(scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
    """Why the request cannot be stored (None if it can), and the receive to read its body
    from afterwards: a JSON body is read whole here to be checked."""
    where = _bad_url(scope)
    if where is None and scope["type"] == "http" and _is_json(scope):
        body, receive = await buffered_body(receive)
        if _bad_body(body):
            where = "the request body"
    if where is None:
        return None, receive
    return f"{where} contains a NUL character or an unpaired surrogate".capitalize(), receive


def _is_json(scope: Scope) -> bool:
    content_type = Headers(scope=scope).get("content-type", "")
    return "json" in content_type or (content_type == "" and scope["method"] != "GET")


async def buffered_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole body (the size limit outside this layer bounds it), and a receive that
    hands it on unchanged: a client gone mid-body stays gone for the handler, which then
    answers nobody (gateway/request_id.py notes the disconnect)."""
    chunks: list[bytes] = []
    gone: Message | None = None
    while True:
        message = await receive()
        if message["type"] != "http.request":
            gone = message
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": gone is not None}
        return gone if gone is not None else await receive()

    return body, replay
