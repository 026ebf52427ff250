"""graphql-transport-ws on /graphql is served from the pipeline straight to its endpoint
(subscriptions/transport_ws.py) on uvicorn's lighter protocol (gateway/websocket_protocol.py):
the protocol's answers are Strawberry's, and an idle connection holds only what it needs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.websocket_protocol import Inbox, LeanWebSocketProtocol, WritableFlag
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.subscriptions.test_fanout import LIVE
from tests.subscriptions.test_live import until

PROTOCOL = ["graphql-transport-ws"]
ROOT = Path(__file__).resolve().parents[2]


def groups(live_server: Any) -> dict[Any, Any]:
    fanout = getattr(live_server.app.state, "fanout", None)  # made by the first subscribe
    return {} if fanout is None else fanout.groups


async def closed_with(ws: Any) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed):
        for _ in range(10):
            await asyncio.wait_for(ws.recv(), 5)
    return ws.close_code, ws.close_reason


async def initialised(url: str) -> Any:
    ws = await connect(url, subprotocols=PROTOCOL)
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await ws.recv()) == {"type": "connection_ack"}
    return ws


async def test_the_protocols_refusals_are_strawberrys(live_server, workspace):
    url = live_server.ws(f"/graphql?as={workspace}")
    subscribe = {"id": "1", "type": "subscribe", "payload": {"query": LIVE}}

    async with connect(url, subprotocols=PROTOCOL) as ws:  # before connection_init
        await ws.send(json.dumps(subscribe))
        assert await closed_with(ws) == (4401, "Unauthorized")

    async with await initialised(url) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert await closed_with(ws) == (4429, "Too many initialisation requests")

    async with await initialised(url) as ws:
        await ws.send("{not json")
        assert await closed_with(ws) == (4400, "WebSocket message must be valid JSON")

    async with await initialised(url) as ws:
        await ws.send(b'{"type": "ping"}')
        assert await closed_with(ws) == (4400, "WebSocket message type must be text")

    async with await initialised(url) as ws:
        await ws.send(json.dumps({"type": "shout"}))
        assert await closed_with(ws) == (4400, "Unknown message type: shout")

    async with connect(url, subprotocols=PROTOCOL) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": "not an object"}))
        assert await closed_with(ws) == (4400, "Invalid connection init payload")

    async with await initialised(url) as ws:  # a grouped subscription's id, used twice
        await ws.send(json.dumps(subscribe))
        await ws.send(json.dumps(subscribe))
        assert await closed_with(ws) == (4409, "Subscriber for 1 already exists")

    async with await initialised(url) as ws:
        syntax = {"id": "2", "type": "subscribe", "payload": {"query": "subscription {"}}
        await ws.send(json.dumps(syntax))
        code, reason = await closed_with(ws)
        assert code == 4400 and reason.startswith("Syntax Error")

    # what this endpoint does not serve, Strawberry's view answers
    async with connect(url, subprotocols=["not-graphql"]) as ws:
        assert await closed_with(ws) == (4406, "Subprotocol not acceptable")
    with pytest.raises(InvalidStatus) as refused:  # a page on another origin
        await connect(url, subprotocols=PROTOCOL, origin="https://elsewhere.example")
    assert refused.value.response.status_code == 403


async def test_pings_queries_and_completes_over_the_endpoint(live_server, workspace):
    url = live_server.ws(f"/graphql?as={workspace}")
    async with await initialised(url) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}

        query = {"id": "q", "type": "subscribe", "payload": {"query": "{ __typename }"}}
        await ws.send(json.dumps(query))
        assert json.loads(await ws.recv()) == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"__typename": "Query"}},
        }
        assert json.loads(await ws.recv()) == {"id": "q", "type": "complete"}

        refused = {"id": "r", "type": "subscribe", "payload": {"query": "{ noSuchField }"}}
        await ws.send(json.dumps(refused))
        message = await next_message(ws)
        assert message["id"] == "r" and message["type"] == "error"
        assert "noSuchField" in message["payload"][0]["message"]

        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": LIVE}}))
        await until(lambda: any(workspace in key for key in groups(live_server)))
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        await until(lambda: not any(workspace in key for key in groups(live_server)))
        await ws.send(json.dumps({"type": "ping"}))  # the connection goes on
        assert json.loads(await ws.recv()) == {"type": "pong"}


def awaiting_chain(task: asyncio.Task[Any]) -> list[str]:
    """Where a task is suspended, outermost first, as `file:qualified name` (the file's
    path from its package: `starlette/routing.py`)."""
    frames, awaited = [], task.get_coro()
    while awaited is not None:
        code = getattr(awaited, "cr_code", None)
        if code is None:  # an async generator's step: where the chain stops being visible
            break
        path = code.co_filename.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        frames.append(f"{path}:{code.co_qualname}")
        awaited = awaited.cr_await
    return frames


def connection_tasks() -> list[asyncio.Task[Any]]:
    return [
        t
        for t in asyncio.all_tasks()
        if getattr(t.get_coro(), "cr_code", None) is not None
        and t.get_coro().cr_code.co_qualname == "WebSocketsSansIOProtocol.run_asgi"
    ]


async def test_an_idle_subscriber_holds_no_router_view_or_handshake(live_server, workspace):
    ws = await transport_ws_subscribe(live_server.ws(f"/graphql?as={workspace}"), LIVE)
    await until(lambda: any(workspace in key for key in groups(live_server)))
    [task] = connection_tasks()
    chain = awaiting_chain(task)
    # from uvicorn's task through the pipeline to the protocol's read loop, and nothing of
    # Starlette's router, its WebSocket or exception layer, or Strawberry's view
    assert "gateway/pipeline.py:RequestPipeline._websocket" in chain
    assert "subscriptions/transport_ws.py:TransportWSEndpoint.__call__" in chain
    assert chain[-1].endswith(":BaseGraphQLTransportWSHandler.handle"), chain
    passed = {frame.split(":")[0] for frame in chain}
    for skipped in (
        "starlette/routing.py",
        "starlette/websockets.py",
        "starlette/middleware/exceptions.py",
        "starlette/_exception_handler.py",
        "strawberry/asgi/__init__.py",
        "strawberry/http/async_base_view.py",
        "gateway/graphql_view.py",
        "gateway/route_index.py",
    ):
        assert skipped not in passed, chain

    protocol = task.get_coro().cr_frame.f_locals["self"]
    assert isinstance(protocol, LeanWebSocketProtocol)
    assert protocol.request is None and protocol.response is None  # the handshake let go
    assert isinstance(protocol.queue, Inbox) and protocol.queue.empty()
    assert dict(protocol.scope["headers"])[b"upgrade"] == b"websocket"  # the scope keeps its own
    await ws.close()


async def test_the_inbox_hands_events_over_in_order():
    inbox = Inbox()
    inbox.put_nowait({"type": "websocket.connect"})
    assert await inbox.get() == {"type": "websocket.connect"}
    waiting = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not waiting.done() and inbox.empty()
    inbox.put_nowait({"n": 1})
    inbox.put_nowait({"n": 2})
    assert await waiting == {"n": 1}
    assert inbox.qsize() == 1 and await inbox.get() == {"n": 2}

    cancelled = asyncio.ensure_future(inbox.get())  # a reader cancelled while waiting
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    inbox.put_nowait({"n": 3})  # is not lost
    assert await inbox.get() == {"n": 3}


async def test_the_writable_flag_holds_writers_while_paused():
    flag = WritableFlag()
    await asyncio.wait_for(flag.wait(), 1)  # set: no wait
    flag.clear()
    writers = [asyncio.ensure_future(flag.wait()) for _ in range(3)]
    await asyncio.sleep(0.01)
    assert not any(w.done() for w in writers) and not flag.is_set()
    writers[0].cancel()
    await asyncio.sleep(0)
    flag.set()
    await asyncio.wait_for(asyncio.gather(*writers[1:]), 1)
    assert flag.is_set() and writers[0].cancelled()
