"""Grouped subscribers are slim members: no task of their own, the group writes to their
sockets in one pass, and one member's trouble (gone, completed, not reading) is its own."""

from __future__ import annotations

import asyncio
import json

import uvicorn
from websockets.asyncio.client import connect

from gateway.cli import uvicorn_options
from subscriptions.eager import start_now
from subscriptions.fanout import FanOut, Group, Member
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.subscriptions.test_fanout import LIVE, groups
from tests.subscriptions.test_live import until
from tests.utils.builders import user


def group_of(live_server, workspace) -> Group:
    [group] = [g for g in groups(live_server).values() if workspace in g.key]
    return group


async def subscribed(live_server, workspace, count):
    url = live_server.ws(f"/graphql?as={workspace}")
    clients = [await transport_ws_subscribe(url, LIVE) for _ in range(count)]
    await until(lambda: any(workspace in g.key for g in groups(live_server).values()))
    await until(lambda: len(group_of(live_server, workspace).members) == count)
    return clients


def server_tasks() -> list[asyncio.Task]:
    """The running tasks but the test's own clients' (their keepalive)."""
    return [
        t
        for t in asyncio.all_tasks()
        if "websockets/asyncio" not in str(getattr(t.get_coro(), "cr_code", ""))
    ]


async def test_members_run_no_task_of_their_own(live_server, workspace):
    url = live_server.ws(f"/graphql?as={workspace}")
    first = await subscribed(live_server, workspace, 10)  # the group and its stream are up
    group = group_of(live_server, workspace)
    before = len(server_tasks())
    more = [await transport_ws_subscribe(url, LIVE) for _ in range(20)]
    await until(lambda: len(group.members) == 30)
    # per connection uvicorn's own task and nothing else (each member used to add its
    # operation's task)
    assert len(server_tasks()) - before <= 20
    for client in first + more:
        await client.close()


def member_of(group, client) -> Member:
    port = client.transport.get_extra_info("sockname")[1]
    return next(m for m in group.members if m.socket.websocket.scope["client"][1] == port)


async def test_a_member_gone_mid_fan_out_does_not_stop_the_others(live_server, upload, workspace):
    vanished, closed, *others = await subscribed(live_server, workspace, 4)
    group = group_of(live_server, workspace)
    # one client vanishes without a closing handshake; the server has already sent its
    # close to another when the fan-out reaches it, so that its write raises
    failing = member_of(group, closed)
    vanished.transport.abort()
    await failing.socket.websocket.close(1000)
    assert failing in group.members  # its connection has not ended it yet
    live_server.app.state.fanout.publish(group, '{"data":{"events":{"id":"evt_mid"}}}')
    assert failing not in group.members  # its write failed: forgotten, and only it
    for client in others:
        message = await next_message(client, timeout=3)
        assert message["payload"] == {"data": {"events": {"id": "evt_mid"}}}

    await upload("users", [user(31)])  # and the group goes on with those left
    for client in others:
        message = await next_message(client, timeout=5)
        assert message["payload"]["data"]["events"]["data"]["userId"] == "user_31"
    for client in (closed, *others):
        await client.close()


async def test_complete_from_one_member_does_not_end_the_group(live_server, upload, workspace):
    leaving, staying = await subscribed(live_server, workspace, 2)
    group = group_of(live_server, workspace)
    await leaving.send(json.dumps({"id": "1", "type": "complete"}))
    await until(lambda: len(group.members) == 1)
    assert group_of(live_server, workspace) is group

    await upload("users", [user(41)])
    message = await next_message(staying)
    assert message["type"] == "next" and message["id"] == "1"
    assert message["payload"]["data"]["events"]["data"]["userId"] == "user_41"
    try:
        await next_message(leaving, timeout=0.5)
        raise AssertionError("a completed subscription received an event")
    except TimeoutError:
        pass

    # the id is free again on that connection, and it joins the same group
    payload = {"query": LIVE, "variables": {}}
    await leaving.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    await until(lambda: len(group.members) == 2)
    await upload("users", [user(42)])
    for client in (leaving, staying):
        message = await next_message(client)
        assert message["payload"]["data"]["events"]["data"]["userId"] == "user_42"
        await client.close()


class _Socket:
    """Where a member writes: a list, and optionally a write that waits for `gate`."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.written: list[str] = []
        self.gate = gate
        self.forgotten = False

    async def send_text(self, text: str) -> None:
        if self.gate is not None and not self.gate.is_set():
            await self.gate.wait()
        self.written.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.written.append(f"close {code}")

    def write_frame(self, frame: bytes) -> bool:
        return False  # as a server without direct writes: through send_text

    def forget(self, member: Member) -> None:
        self.forgotten = True

    def run_alone(self, member: Member) -> None:
        raise AssertionError("not expected")


async def test_a_write_that_waits_holds_up_only_its_member_and_keeps_the_order():
    fanout = FanOut(queue_size=3)
    group = Group(("key",), ("q", None, None))
    gate = asyncio.Event()
    stuck, quick = _Socket(gate), _Socket()
    for name, socket in (("stuck", stuck), ("quick", quick)):
        group.members.add(Member(name, socket, group, fanout.queue_size))

    for n in range(3):
        fanout.publish(group, f'"{n}"')
    assert len(quick.written) == 3  # written inline, without waiting for the other
    assert stuck.written == []
    for member in list(group.members):
        fanout.end(member)  # the stream ended: `complete` after what waits
    gate.set()
    await until(lambda: len(stuck.written) == 4)
    assert [json.loads(t).get("payload") for t in stuck.written[:3]] == ["0", "1", "2"]
    assert json.loads(stuck.written[3]) == {"id": "stuck", "type": "complete"}
    assert json.loads(quick.written[3]) == {"id": "quick", "type": "complete"}


async def test_a_member_too_far_behind_is_closed_with_4008_and_its_backlog_dropped():
    fanout = FanOut(queue_size=2)
    group = Group(("key",), ("q", None, None))
    gate = asyncio.Event()
    socket = _Socket(gate)
    member = Member("1", socket, group, fanout.queue_size)
    group.members.add(member)
    for n in range(4):  # one write waiting, two in the backlog, the fourth overflows
        fanout.publish(group, f'"{n}"')
    assert socket.forgotten
    gate.set()
    await until(lambda: socket.written and socket.written[-1].startswith("close"))
    assert socket.written[-1] == "close 4008"
    assert len(socket.written) == 2  # the write that was under way, then the close


async def test_start_now_runs_inline_and_hands_a_waiting_coroutine_to_a_task():
    done: list[str] = []

    async def quick() -> None:
        done.append("quick")

    assert start_now(quick()) is None and done == ["quick"]

    gate = asyncio.Event()

    async def waits() -> None:
        await gate.wait()
        await asyncio.sleep(0)
        done.append("waited")

    task = start_now(waits())
    assert task is not None and done == ["quick"]
    gate.set()
    await task
    assert done == ["quick", "waited"]

    async def fails() -> None:
        raise ConnectionResetError

    try:
        start_now(fails())
        raise AssertionError("the failure should be raised where it happened")
    except ConnectionResetError:
        pass

    async def fails_later() -> None:
        await asyncio.Event().wait()

    task = start_now(fails_later())
    assert task is not None
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()


async def test_the_served_gateway_offers_no_permessage_deflate(settings):
    async def app(scope, receive, send):
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            await receive()

    options = {**uvicorn_options(settings), "host": "127.0.0.1", "port": 0}
    server = uvicorn.Server(uvicorn.Config(app, **options, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with connect(f"ws://127.0.0.1:{port}/") as ws:  # offers deflate by default
            assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
    finally:
        server.should_exit = True
        await task


async def test_frames_go_straight_to_the_socket_unless_the_connection_compresses(
    live_server, upload, workspace
):
    url = live_server.ws(f"/graphql?as={workspace}")
    plain = []
    for _ in range(2):
        ws = await connect(url, subprotocols=["graphql-transport-ws"], compression=None)
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"id": "7", "type": "subscribe", "payload": {"query": LIVE}}
        await ws.send(json.dumps(subscribe))
        plain.append(ws)
    deflated = await transport_ws_subscribe(url, LIVE)  # offers permessage-deflate
    await until(lambda: any(workspace in g.key for g in groups(live_server).values()))
    group = group_of(live_server, workspace)
    await until(lambda: len(group.members) == 3)

    await upload("users", [user(51)])
    for client, expected_id in ((plain[0], "7"), (plain[1], "7"), (deflated, "1")):
        message = await next_message(client)
        assert message["type"] == "next" and message["id"] == expected_id
        assert message["payload"]["data"]["events"]["data"]["userId"] == "user_51"
    writers = {  # by the client's port
        m.socket.websocket.scope["client"][1]: callable(m.socket.websocket._frame_writer)
        for m in group.members
    }
    ports = [c.transport.get_extra_info("sockname")[1] for c in (*plain, deflated)]
    assert [writers[p] for p in ports] == [True, True, False]
    for client in (*plain, deflated):
        await client.close()
