"""Every way docs/events.md says to connect a WebSocket, run as documented: real access
tokens and API keys, on /v1/ws and on /graphql (graphql-transport-ws)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from gateway.auth.keys import create_key
from gateway.database import transaction
from tests.subscriptions.conftest import next_message
from tests.utils import accounts

DOC = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
AGENTS = "subscription { agentUpdates { agentId } }"


def documented(example: str) -> str:
    assert example in DOC, f"docs/events.md no longer shows {example!r}"
    return example


@pytest.fixture
async def credentials(live_server, workspace):
    app = live_server.app
    token = await accounts.owner_token(app, workspace)
    async with transaction(app.state.sessions) as session:
        key = await create_key(
            session,
            workspace_id=workspace,
            name="docs example",
            scopes=["read:analytics", "read:content"],
            ip_allowlist=[],
            created_by=None,
        )
    return {"access token": token, "API key": key.secret}


# The owner's token reads revenue; the key (read:analytics, read:content) does not.
EXPECTED = {
    "access token": {"total_users", "total_messages", "engagement_rate", "revenue"},
    "API key": {"total_users", "total_messages", "engagement_rate"},
}


async def _first_metrics(ws, kind: str) -> None:  # type: ignore[no-untyped-def]
    wanted = EXPECTED[kind]
    messages = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in wanted]
    assert all(m["type"] == "metrics_update" for m in messages)
    assert {m["data"]["metric"] for m in messages} == wanted
    with pytest.raises(TimeoutError):  # and nothing else until a value changes
        await asyncio.wait_for(ws.recv(), 0.3)


@pytest.mark.parametrize("kind", ["access token", "API key"])
async def test_legacy_ws_with_a_token_in_the_url(live_server, credentials, kind):
    path = documented("/v1/ws?token=<access token or API key>")
    url = live_server.ws(path.replace("<access token or API key>", credentials[kind]))
    async with connect(url) as ws:
        await _first_metrics(ws, kind)


@pytest.mark.parametrize("kind", ["access token", "API key"])
async def test_legacy_ws_with_an_auth_message(live_server, credentials, kind):
    message = documented('{"type": "auth", "token": "<access token or API key>"}')
    async with connect(live_server.ws(documented("/v1/ws"))) as ws:
        await ws.send(message.replace("<access token or API key>", credentials[kind]))
        await _first_metrics(ws, kind)


async def test_legacy_ws_refuses_a_bad_credential_at_once(live_server):
    async with connect(live_server.ws("/v1/ws?token=mk_live_not_a_real_key")) as ws:
        await asyncio.wait_for(ws.wait_closed(), 2)
    assert ws.close_code == 4401
    async with connect(live_server.ws("/v1/ws")) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "not-a-token"}))
        await asyncio.wait_for(ws.wait_closed(), 2)
    assert ws.close_code == 4401


PAYLOADS = {
    "Authorization": '{"Authorization": "Bearer <access token or API key>"}',
    "token": '{"token": "<access token or API key>"}',
    "apiKey": '{"apiKey": "<API key>"}',
}


@pytest.mark.parametrize(
    ("form", "kind"),
    [
        ("Authorization", "access token"),
        ("Authorization", "API key"),
        ("token", "access token"),
        ("apiKey", "API key"),
    ],
)
async def test_graphql_transport_ws_connection_init(live_server, credentials, form, kind):
    payload = documented(PAYLOADS[form])
    for placeholder in ("<access token or API key>", "<API key>"):
        payload = payload.replace(placeholder, credentials[kind])
    async with connect(live_server.ws("/graphql"), subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": json.loads(payload)}))
        assert (await next_message(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": AGENTS}}))
        with pytest.raises(TimeoutError):  # subscribed: waiting for agent updates, no error
            await next_message(ws, timeout=0.3)


async def test_graphql_transport_ws_token_in_the_url_and_refusal(live_server, credentials):
    documented("?token=<access token or API key>")
    url = live_server.ws(f"/graphql?token={credentials['API key']}")
    async with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await next_message(ws))["type"] == "connection_ack"
    documented("**4403**")
    async with connect(live_server.ws("/graphql"), subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"token": "nope"}}))
        await asyncio.wait_for(ws.wait_closed(), 2)
    assert ws.close_code == 4403
