"""A client that closes its connection mid-request is logged as such, not as an error."""

from __future__ import annotations

import logging

import pytest


async def _post_then_disconnect(app, path: str, token: str) -> list[dict]:
    messages = iter(
        [
            {"type": "http.request", "body": b'{"query": "{ __typ', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict] = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"gateway.test"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("gateway.test", 80),
        "app": app,
    }
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("path", ["/graphql", "/api/marketing/webhooks/register"])
async def test_disconnect_mid_body_is_not_an_unhandled_error(app, owner_token, caplog, path):
    caplog.set_level(logging.INFO)
    sent = await _post_then_disconnect(app, path, owner_token)
    assert sent == []  # nobody to answer
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert all(r.exc_info is None for r in caplog.records)
    assert any("client closed the connection" in r.getMessage() for r in caplog.records)
