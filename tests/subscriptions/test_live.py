"""Subscriptions end to end: a real uvicorn, real WebSocket clients, real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import text
from websockets.asyncio.client import connect

from gateway.database import transaction
from subscriptions.events import Event, record_event
from subscriptions.hub import SLOW_CONSUMER_CODE
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.utils import accounts
from tests.utils.builders import user

EVENTS = (
    "subscription($types: [String!], $after: String) "
    "{ events(types: $types, after: $after) { id type workspaceId data timestamp } }"
)


async def until(predicate, timeout=5.0):
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


def hub(live_server):
    return live_server.app.state.live.hub


async def publish(sessions, workspace, type_, payload):
    async with transaction(sessions) as session:
        return await record_event(session, workspace_id=workspace, type=type_, payload=payload)


async def test_graphql_transport_ws_receives_uploaded_events_of_its_workspace_only(
    live_server, upload, workspace, sessions
):
    before = hub(live_server).subscriber_count
    mine = await transport_ws_subscribe(live_server.ws(f"/graphql?as={workspace}"), EVENTS)
    other = await transport_ws_subscribe(live_server.ws("/graphql?as=ws_someone_else"), EVENTS)
    await until(lambda: hub(live_server).subscriber_count == before + 2)

    await upload("users", [user(7)])
    message = await next_message(mine)
    assert message["type"] == "next" and message["id"] == "1"
    event = message["payload"]["data"]["events"]
    assert event["type"] == "user.registered" and event["workspaceId"] == workspace
    assert event["data"]["userId"] == "user_7" and event["id"].startswith("evt_")
    try:
        await next_message(other, timeout=0.5)
        raise AssertionError("another workspace's subscriber received the event")
    except TimeoutError:
        pass
    await mine.close()
    await other.close()


async def test_legacy_graphql_ws_protocol(live_server, workspace, sessions):
    before = hub(live_server).subscriber_count
    async with connect(
        live_server.ws(f"/graphql?as={workspace}"), subprotocols=["graphql-ws"]
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await next_message(ws))["type"] == "connection_ack"
        query = "subscription { agentUpdates { agentId status progress } }"
        await ws.send(json.dumps({"id": "a", "type": "start", "payload": {"query": query}}))
        await until(lambda: hub(live_server).subscriber_count == before + 1)
        await publish(
            sessions,
            workspace,
            "agent_update",
            {"agentId": "intelligence", "status": "active", "progress": 75, "efficiency": 95},
        )
        message = await next_message(ws)
        assert message == {
            "type": "data",
            "id": "a",
            "payload": {
                "data": {
                    "agentUpdates": {
                        "agentId": "intelligence",
                        "status": "active",
                        "progress": 75.0,
                    }
                }
            },
        }


async def test_resume_after_last_event_id_replays_what_was_missed(live_server, workspace, sessions):
    first = await publish(sessions, workspace, "notification", {"id": "n1"})
    await _published(sessions, first)
    second = await publish(sessions, workspace, "notification", {"id": "n2"})
    third = await publish(sessions, workspace, "notification", {"id": "n3"})
    await _published(sessions, third)
    ws = await transport_ws_subscribe(
        live_server.ws(f"/graphql?as={workspace}"), EVENTS, {"after": first}
    )
    got = [(await next_message(ws))["payload"]["data"]["events"]["id"] for _ in range(2)]
    assert got == [second, third]
    await ws.close()
    ws = await transport_ws_subscribe(
        live_server.ws(f"/graphql?as={workspace}"), EVENTS, {"after": "evt_unknown"}
    )
    message = await next_message(ws)
    assert message["payload"]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await ws.close()


async def _published(sessions, event_id):
    """Wait until the relay has handed the event to the broker (in-process or Redis)."""
    async with asyncio.timeout(5):
        while True:
            async with sessions() as session:
                at = await session.scalar(
                    text("SELECT published_at FROM events WHERE id = :id"), {"id": event_id}
                )
            if at is not None:
                return
            await asyncio.sleep(0.05)


async def test_slow_subscriber_is_dropped_and_others_are_not(live_server, workspace):
    server_hub = hub(live_server)
    before = server_hub.subscriber_count
    url = live_server.ws(f"/graphql?as={workspace}")
    slow = await transport_ws_subscribe(url, EVENTS, {"types": ["notification"]})
    fast = await transport_ws_subscribe(url, EVENTS, {"types": ["notification", "post_status"]})
    await until(lambda: server_hub.subscriber_count == before + 2)
    laggard = next(s for s in server_hub._by_workspace[workspace] if len(s.types) == 1)

    # The slow one's consumer has not kept up: its queue is full when the next event comes
    # (filled and dispatched in one tick, so its consumer cannot drain in between).
    def event(n):
        return Event(f"evt_{n}", workspace, "notification", {"id": n}, datetime.now(UTC))

    for n in range(laggard.queue.maxsize):
        laggard.queue.put_nowait(event(n))
    server_hub.dispatch(event("last"))

    await asyncio.wait_for(slow.wait_closed(), 5)
    assert slow.close_code == SLOW_CONSUMER_CODE == 4008
    message = await next_message(fast)
    assert message["payload"]["data"]["events"]["data"] == {"id": "last"}
    await fast.close()


async def test_legacy_websocket_pushes_documented_shapes(live_server, workspace, sessions, upload):
    async with connect(live_server.ws("/v1/ws")) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "invalid"}))
        await asyncio.wait_for(ws.wait_closed(), 5)
        assert ws.close_code == 4401
    before = hub(live_server).subscriber_count
    tester = await accounts.member(live_server.app, workspace, "owner")
    token = await accounts.token_for(live_server.app, tester, workspace, "owner")
    async with connect(live_server.ws("/v1/ws")) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        # the first metrics, at once
        first = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(4)]
        assert sorted(m["data"]["metric"] for m in first) == [
            "engagement_rate",
            "revenue",
            "total_messages",
            "total_users",
        ]
        assert all(m["type"] == "metrics_update" for m in first)
        assert set(first[0]["data"]) == {"metric", "value", "change", "timestamp"}
        await until(lambda: hub(live_server).subscriber_count == before + 1)
        shapes = {
            "agent_update": {
                "agentId": "intelligence",
                "efficiency": 95,
                "status": "active",
                "currentTask": "Analyzing competitor strategies",
                "progress": 75,
                "estimatedCompletion": "2024-09-15T11:00:00Z",
            },
            "post_status": {
                "postId": "post_1234567890",
                "status": "published",
                "publishedAt": "2024-09-15T10:30:00Z",
                "platform": "instagram",
            },
            "campaign_update": {
                "campaignId": "camp_1234567890",
                "performance": {"impressions": 126000, "clicks": 2350, "spent": 2350},
                "timestamp": "2024-09-15T10:30:00Z",
            },
            "notification": {
                "id": "notif_1234567890",
                "title": "Campaign Budget Alert",
                "message": "Your Q4 campaign has spent 80% of its budget",
                "type": "warning",
                "actionUrl": "/campaigns/camp_1234567890",
                "timestamp": "2024-09-15T10:30:00Z",
            },
        }
        for type_, data in shapes.items():
            await publish(sessions, workspace, type_, data)
        received = [await asyncio.wait_for(ws.recv(), 5) for _ in shapes]
        assert received == [
            json.dumps({"type": t, "data": d}, separators=(",", ":")) for t, d in shapes.items()
        ]


async def test_metric_updates_are_multiplexed_and_pushed_on_change(live_server, workspace, upload):
    metrics = live_server.app.state.live.metrics
    query = (
        'subscription { metricUpdates(metrics: ["totalUsers"], period: 1) '
        "{ metric value previous change } }"
    )
    url = live_server.ws(f"/graphql?as={workspace}")
    watchers = [await transport_ws_subscribe(url, query) for _ in range(3)]
    firsts = [(await next_message(w))["payload"]["data"]["metricUpdates"] for w in watchers]
    assert firsts == [[{"metric": "totalUsers", "value": 0.0, "previous": None, "change": 0.0}]] * 3
    feeds = [f for k, f in metrics._feeds.items() if k[0] == workspace]
    assert len(feeds) == 1  # one recompute loop for the three watchers
    await upload("users", [user(1), user(2)])
    await upload("users", [user(3), user(4)])
    update = (await next_message(watchers[0], timeout=4))["payload"]["data"]["metricUpdates"]
    assert update[0]["metric"] == "totalUsers" and update[0]["value"] in (2.0, 4.0)
    recomputes = feeds[0].recomputes
    for w in watchers:
        await w.close()
    await until(lambda: not any(k[0] == workspace for k in metrics._feeds))
    assert recomputes >= 2
