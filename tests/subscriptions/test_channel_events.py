"""A message arriving through a channel's webhook reaches the workspace's subscribers and
its registered webhooks as spec 002's events (user.created for a new sender,
message.received, escalation.created), each in the documented payload."""

from __future__ import annotations

import httpx
import orjson

from gateway.adapters.channel_inbound import signature
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.subscriptions.test_live import hub, until

TYPES = ["user.created", "message.received", "escalation.created"]
LIVE = (
    'subscription { events(types: ["user.created", "message.received", "escalation.created"]) '
    "{ type workspaceId data } }"
)


async def test_inbound_message_reaches_subscribers_and_webhooks(
    live_server, receiver, workspace
) -> None:
    async with httpx.AsyncClient(base_url=live_server.http("")) as client:
        registered = await client.post(
            f"/api/webhooks?as={workspace}",
            json={
                "workspaceId": workspace,
                "url": receiver.url(),
                "events": TYPES,
                "secret": "channel_hook_secret",
            },
        )
        assert registered.status_code == 200, registered.text
        channel = await client.post(
            f"/api/v1/channels?as={workspace}",
            json={
                "channel_type": "mobile",
                "channel_name": "Coach app",
                "configuration": {"webhook_verify_token": "app-hook-7"},
            },
        )
        assert channel.status_code == 201, channel.text
        url = channel.json()["configuration"]["webhook_url"]
        path = url[url.index("/webhooks/") :]

        before = hub(live_server).subscriber_count
        ws = await transport_ws_subscribe(live_server.ws(f"/graphql?as={workspace}"), LIVE)
        await until(lambda: hub(live_server).subscriber_count == before + 1)
        body = orjson.dumps(
            {
                "messages": [
                    {
                        "id": "app-1",
                        "external_id": "device-77",
                        "text": "I need a person",
                        "name": "Ada Fenn",
                        "escalate": True,
                    }
                ]
            }
        )
        sent = await client.post(
            path, content=body, headers={"x-hub-signature-256": signature("app-hook-7", body)}
        )
        assert sent.status_code == 200 and sent.json() == {"received": 1}

        live = [(await next_message(ws, timeout=10))["payload"]["data"]["events"] for _ in TYPES]
        await ws.close()
        assert [e["type"] for e in live] == TYPES
        assert {e["workspaceId"] for e in live} == {workspace}
        await until(lambda: len(receiver.requests) >= 3, timeout=15)
        bodies = [orjson.loads(r.body) for r in receiver.requests]
        # spec 002's own webhook payload: event, timestamp, data, creator_id
        assert all(list(b) == ["event", "timestamp", "data", "creator_id"] for b in bodies)
        assert {b["creator_id"] for b in bodies} == {workspace}
        delivered = {b["event"]: b["data"] for b in bodies}
        assert set(delivered) == set(TYPES)
        user = delivered["user.created"]
        assert user["external_id"] == "device-77" and user["channel"] == "mobile"
        assert user["profile_data"] == {"name": "Ada Fenn"}
        assert set(delivered["message.received"]) == {
            "message_id",
            "user_id",
            "channel",
            "channel_id",
            "program_id",
            "created_at",
        }
        assert delivered["escalation.created"]["user_id"] == user["user_id"]
        assert delivered["message.received"]["channel_id"] == channel.json()["id"]
        for e in live:
            assert e["data"] == delivered[e["type"]]
