"""Live fan-out: identical subscriptions share one execution and one encoding per event."""

from __future__ import annotations

import asyncio

from subscriptions.hub import SLOW_CONSUMER_CODE
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.subscriptions.test_live import EVENTS, hub, until
from tests.utils.builders import user

LIVE = 'subscription { events(types: ["user.registered"]) { id type workspaceId data } }'


def groups(live_server):
    return live_server.app.state.fanout.groups


async def test_identical_subscribers_share_one_execution_and_encoding(
    live_server, upload, workspace
):
    before = hub(live_server).subscriber_count
    url = live_server.ws(f"/graphql?as={workspace}")
    clients = [await transport_ws_subscribe(url, LIVE) for _ in range(3)]
    await until(lambda: any(workspace in g.key for g in groups(live_server).values()))
    [group] = [g for g in groups(live_server).values() if workspace in g.key]
    await until(lambda: len(group.members) == 3)
    await until(lambda: hub(live_server).subscriber_count == before + 1)  # one for all three

    await upload("users", [user(11)])
    messages = [await next_message(c) for c in clients]
    payloads = {str(m["payload"]) for m in messages}
    assert len(payloads) == 1 and all(m["type"] == "next" for m in messages)
    event = messages[0]["payload"]["data"]["events"]
    assert event["type"] == "user.registered" and event["data"]["userId"] == "user_11"
    assert group.encoded == 1  # encoded once, sent three times

    for client in clients:
        await client.close()
    await until(lambda: not any(workspace in g.key for g in groups(live_server).values()))
    await until(lambda: hub(live_server).subscriber_count == before)


async def test_a_replay_runs_alone_and_other_variables_group_apart(live_server, workspace):
    before = hub(live_server).subscriber_count
    url = live_server.ws(f"/graphql?as={workspace}")
    a = await transport_ws_subscribe(url, EVENTS, {"types": ["notification"]})
    b = await transport_ws_subscribe(url, EVENTS, {"types": ["post_status"]})
    await until(lambda: hub(live_server).subscriber_count == before + 2)
    c = await transport_ws_subscribe(url, EVENTS, {"types": ["notification"], "after": "0-0"})
    await asyncio.sleep(0.3)
    mine = [g for g in groups(live_server).values() if workspace in g.key]
    assert len(mine) == 2  # a and b apart; c (a replay) outside any group
    assert all(len(g.members) == 1 for g in mine)
    for client in (a, b, c):
        await client.close()


async def test_a_slow_member_is_dropped_and_the_group_goes_on(live_server, workspace):
    url = live_server.ws(f"/graphql?as={workspace}")
    slow = await transport_ws_subscribe(url, LIVE)
    fast = await transport_ws_subscribe(url, LIVE)
    await until(lambda: any(workspace in g.key for g in groups(live_server).values()))
    [group] = [g for g in groups(live_server).values() if workspace in g.key]
    await until(lambda: len(group.members) == 2)
    laggard = next(iter(group.members))
    # Its reader has not kept up: the queue is full when the next event comes (filled and
    # published in one tick, so the reader cannot drain in between).
    while not laggard.queue.full():
        laggard.queue.put_nowait('{"stale": true}')
    live_server.app.state.fanout.publish(group, '{"data":{"events":{"id":"evt_last"}}}')
    outcomes = []
    for client in (slow, fast):
        try:
            message = await next_message(client, timeout=3)
            while "stale" in message:
                message = await next_message(client, timeout=3)
            outcomes.append(message["payload"]["data"]["events"]["id"])
        except Exception:
            await asyncio.wait_for(client.wait_closed(), 5)
            outcomes.append(client.close_code)
    assert sorted(outcomes, key=str) == sorted([SLOW_CONSUMER_CODE, "evt_last"], key=str)
    await slow.close()
    await fast.close()
