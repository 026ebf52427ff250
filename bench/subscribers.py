"""Subscriber fan-out benchmark (docs/benchmarks.md, section `subscribers`): N
graphql-transport-ws subscribers on one gateway process receive one event; the floor is a
bare `websockets` server broadcasting the same bytes to N clients. Also: metric recomputes
per interval with 1 and 1,000 watchers.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/subscribers.py 1000 10000

Fair by construction: both servers are up at once (both on uvloop), each with its N
clients; the clients of each run in a process of their own (the same code; a process holds
10,000 sockets within its file limit and two sets need more). The clients are websockets'
sans-io protocol under a bare asyncio protocol: with one task per socket, the client's own
reading of 10,000 messages took longer than either server's writing, and both columns
measured the client. The rounds alternate between the two servers,
the order flipping every round, so the machine's load falls on both alike. The floor
broadcasts exactly the bytes a gateway client received in the warm-up round (checked equal
between the clients). Neither side compresses (the clients offer no permessage-deflate; the
gateway turns it off anyway, gateway/cli.py) and neither pings during the run. Latency is
from the trigger (the upload request sent / the broadcast asked for) to each client's
receipt, on the system's monotonic clock, which all the processes share; the gateway's
includes the upload's commit, the relay's wake-up and the broker. Memory is each server's
RSS growth from before its clients connect to after. Everything runs on 127.0.0.1 in a
scratch database and stops by itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvloop
from load_and_query import _free_port as free_port
from load_and_query import load_average, machine
from route_bench import scratch_database
from sections import replace_section
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD_QUERY = 'subscription { events(types: ["user.registered"]) { id type data timestamp } }'
UPLOAD = 'mutation($d: [JSON!]!) { uploadData(dataType: "users", data: $d) { recordsInserted } }'
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))  # per server, after the warm-up


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- the client process: `subscribers.py --client URL N [KEY]` ---------------------------


class LightClient(asyncio.Protocol):
    """A websocket client cheap per message: websockets' sans-io protocol under a plain
    asyncio protocol (no task, future or queue per message), so that reading 10,000
    messages costs the client little next to the servers it measures."""

    def __init__(self, uri: str, subprotocol: str | None, arrived: Arrivals) -> None:
        self.conn = ClientProtocol(
            parse_uri(uri), subprotocols=[Subprotocol(subprotocol)] if subprotocol else None
        )  # no extensions: no permessage-deflate offered
        self.arrived = arrived
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.texts: list[str] = []  # while setting up (the ack)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.conn.send_request(self.conn.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.conn.receive_data(data)
        for event in self.conn.events_received():
            if isinstance(event, Response):
                if event.status_code == 101 and not self.opened.done():
                    self.opened.set_result(None)
                elif not self.opened.done():
                    self.opened.set_exception(RuntimeError(f"handshake: {event.status_code}"))
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                text = event.data.decode()
                if self.arrived.armed:
                    self.arrived.add(text)
                else:
                    self.texts.append(text)
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or RuntimeError("closed during the handshake"))

    def send(self, message: dict[str, Any]) -> None:
        self.conn.send_text(json.dumps(message).encode())
        self._flush()

    def _flush(self) -> None:
        if self.transport is not None:
            for chunk in self.conn.data_to_send():
                if chunk:
                    self.transport.write(chunk)


class Arrivals:
    """Receipt times of one round: one message expected per client."""

    def __init__(self) -> None:
        self.armed = False
        self.times: list[float] = []
        self.texts: set[str] = set()
        self.expected = 0
        self.done: asyncio.Event = asyncio.Event()

    def arm(self, expected: int) -> None:
        self.times, self.texts, self.expected, self.armed = [], set(), expected, True
        self.done.clear()

    def add(self, text: str) -> None:
        self.times.append(time.monotonic())
        self.texts.add(text)
        if len(self.times) >= self.expected:
            self.armed = False
            self.done.set()


async def _open(url: str, count: int, key: str | None, arrived: Arrivals) -> list[LightClient]:
    loop = asyncio.get_running_loop()
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    clients: list[LightClient] = []
    for start in range(0, count, 200):  # connect in waves: the listen backlog is finite
        wave = []
        for _ in range(min(200, count - start)):
            _, client = await loop.create_connection(
                lambda: LightClient(url, "graphql-transport-ws" if key else None, arrived),
                host,
                int(port),
            )
            wave.append(client)
        await asyncio.wait_for(asyncio.gather(*(c.opened for c in wave)), 120)
        if key:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
            for client in wave:
                client.send(init)
            for _ in range(1200):
                if all(client.texts for client in wave):
                    break
                await asyncio.sleep(0.05)
            acks = {json.loads(t)["type"] for c in wave for t in c.texts}
            assert acks == {"connection_ack"}, acks
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": PAYLOAD_QUERY}}
            for client in wave:
                client.send(subscribe)
        clients += wave
    return clients


async def client_main(url: str, count: int, key: str | None) -> None:
    """Open `count` clients, say `ready`; then for every `arm` line wait for one message on
    each, answering `armed` at once and, when all arrived, a JSON line with the receipt
    times and the distinct texts received."""
    _raise_fd_limit()
    arrived = Arrivals()
    clients = await _open(url, count, key, arrived)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("ready", flush=True)
    while (await reader.readline()).decode().strip() == "arm":
        arrived.arm(count)
        print("armed", flush=True)
        await asyncio.wait_for(arrived.done.wait(), 300)
        texts = sorted(arrived.texts)[:3]
        print(json.dumps({"times": arrived.times, "texts": texts}), flush=True)
    for client in clients:
        if client.transport is not None:
            client.transport.close()


class Clients:
    """One client process, driven over its stdin/stdout."""

    def __init__(self, url: str, count: int, key: str | None = None) -> None:
        command = [sys.executable, __file__, "--client", url, str(count), *([key] if key else [])]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
        )

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process ended ({self.process.wait()})")
        return line.strip()

    async def ready(self) -> None:
        assert await asyncio.to_thread(self._line) == "ready"

    async def arm(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("arm\n")
        self.process.stdin.flush()
        assert await asyncio.to_thread(self._line) == "armed"

    async def received(self) -> dict[str, Any]:
        return json.loads(await asyncio.to_thread(self._line))

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(60)


# --- the servers -------------------------------------------------------------------------


async def _api_key(database_url: str) -> str:
    """Every surface needs credentials: the demo access key of the default workspace
    (`gateway demo` prints the same), created in the scratch database."""
    from gateway.auth.demo_access import ensure_demo_access
    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine, session_factory
    from gateway.settings import Settings

    settings = Settings(database_url=database_url, _env_file=None)
    engine = create_engine(database_url, pool_size=1)
    try:
        await prepare_database(engine, settings)
        return (await ensure_demo_access(settings, session_factory(engine))).api_key
    finally:
        await engine.dispose()


def gateway_server(database_url: str, port: int) -> subprocess.Popen[bytes]:
    from gateway.websocket_protocol import PROTOCOL as WEBSOCKET_PROTOCOL

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WORKER_IN_APP": "false",
        "RELAY_POLL_SECONDS": "0.05",
        "REDIS_URL": "",
        "SUBSCRIBER_QUEUE_SIZE": "256",
        "MIGRATE_ON_START": "false",
    }
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        *("--backlog", "4096", "--ws-per-message-deflate", "false", "--ws-ping-interval", "0"),
        *("--ws", WEBSOCKET_PROTOCOL),
        *("--no-proxy-headers", "--no-access-log"),  # as the gateway is served (Dockerfile)
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env)


FLOOR_SERVER = """
import asyncio, sys, uvloop
from websockets.asyncio.server import serve, broadcast
clients = set()
async def handler(ws):
    if ws.request.path == "/go":
        payload = await ws.recv(); broadcast(clients, payload); return
    clients.add(ws)
    try: await ws.wait_closed()
    finally: clients.discard(ws)
async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), ping_interval=None,
                     compression=None, backlog=4096):
        await asyncio.Future()
uvloop.run(main())  # as uvicorn runs the gateway
"""


async def _until_up(url: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(600):
            try:
                await http.get(url)
                return
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _percentiles(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "first": ordered[0] * 1000,
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


async def fan_out(count: int, database_url: str) -> dict[str, Any]:
    """Both servers with `count` clients each; a warm-up round, then ROUNDS alternating."""
    key = await _api_key(database_url)
    gport, fport = free_port(), free_port()
    gateway = gateway_server(database_url, gport)
    floor = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(fport)])
    g_clients = f_clients = None
    try:
        await _until_up(f"http://127.0.0.1:{gport}/healthz")
        await asyncio.sleep(1)
        g_before, f_before = _rss_mb(gateway.pid), _rss_mb(floor.pid)
        g_clients = Clients(f"ws://127.0.0.1:{gport}/graphql", count, key)
        await g_clients.ready()
        f_clients = Clients(f"ws://127.0.0.1:{fport}/", count)
        await f_clients.ready()
        await asyncio.sleep(2)
        g_rss, f_rss = _rss_mb(gateway.pid), _rss_mb(floor.pid)

        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http:

            async def gateway_round() -> tuple[list[float], list[str]]:
                await g_clients.arm()
                started = time.monotonic()
                user = {
                    "id": f"user_b{uuid.uuid4().hex[:12]}",
                    "created_at": "2024-03-01T00:00:00Z",
                }
                answer = await http.post(
                    f"http://127.0.0.1:{gport}/graphql",
                    json={"query": UPLOAD, "variables": {"d": [user]}},
                )
                assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
                got = await g_clients.received()
                return [t - started for t in got["times"]], got["texts"]

            async def floor_round(payload: str) -> tuple[list[float], list[str]]:
                await f_clients.arm()
                async with connect(f"ws://127.0.0.1:{fport}/go", compression=None) as trigger:
                    started = time.monotonic()
                    await trigger.send(payload)
                    got = await f_clients.received()
                return [t - started for t in got["times"]], got["texts"]

            _, texts = await gateway_round()  # warm-up: the bytes the floor will send
            assert len(texts) == 1, f"gateway clients received different texts: {texts}"
            payload = texts[0]
            _, floor_texts = await floor_round(payload)
            assert floor_texts == [payload], "the floor sent other bytes"
            latencies: dict[str, list[float]] = {"gateway": [], "floor": []}
            for n in range(ROUNDS):
                order = ("gateway", "floor") if n % 2 == 0 else ("floor", "gateway")
                for side in order:
                    times, _ = await (
                        gateway_round() if side == "gateway" else floor_round(payload)
                    )
                    latencies[side] += times
        return {
            "gateway": {
                **_percentiles(latencies["gateway"]),
                "rss": g_rss,
                "per_sub_kb": (g_rss - g_before) * 1024 / count,
            },
            "floor": {
                **_percentiles(latencies["floor"]),
                "rss": f_rss,
                "per_sub_kb": (f_rss - f_before) * 1024 / count,
            },
            "payload_bytes": len(payload.encode()),
        }
    finally:
        for clients in (g_clients, f_clients):
            if clients is not None:
                clients.stop()
        for server in (gateway, floor):
            server.terminate()
            server.wait(30)


async def metric_recomputes(database_url: str, watchers: int, seconds: float = 3.0) -> int:
    from gateway.database import create_engine
    from subscriptions.metrics import MetricHub

    engine = create_engine(database_url, pool_size=2)
    hub = MetricHub(engine)

    async def watch() -> None:
        async for _ in hub.watch("ws_default", ["totalUsers", "revenue"], 1):
            pass

    tasks = [asyncio.ensure_future(watch()) for _ in range(watchers)]
    await asyncio.sleep(seconds)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await hub.close()
    await engine.dispose()
    return hub.recomputes


def section(rows: list[tuple[int, dict[str, Any]]], recomputes: dict[int, int], loads: str) -> str:
    m = machine()
    payload = rows[0][1]["payload_bytes"] if rows else 0
    lines = [
        "## Subscriber fan-out (bench/subscribers.py)",
        "",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory']}, Python {m['python']}; load average (1/5/15 min) {loads} (the "
        "machine is shared with other people's work).",
        "",
        "One gateway process (uvicorn, in-process broker) with N graphql-transport-ws "
        '`events(types: ["user.registered"])` subscribers, one `uploadData` of one user per '
        "round; the floor is a bare `websockets` server broadcasting the same bytes "
        f"({payload} bytes, the `next` message a gateway client received) to N clients. "
        "Both servers up at once, each with N clients in a client process of its own (same "
        f"code), a warm-up round then {ROUNDS} rounds each, alternating, the order flipped "
        "every round; no compression and no pings on either side. Latency: from the trigger "
        "to each client's receipt, all rounds' receipts pooled (the gateway's includes the "
        "upload's request and commit, the relay's LISTEN/NOTIFY wake-up and pass, and the "
        "group's one execution of the event: `first` is the earliest receipt). Memory: "
        "each server's RSS growth while its N clients connected.",
        "",
        "    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\",
        "        python bench/subscribers.py 1000 10000",
        "",
        "| subscribers | gateway first / p50 / p99 (ms) | gateway RSS (MB) "
        "| floor first / p50 / p99 (ms) | floor RSS (MB) | p99 ratio | memory ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for count, r in rows:
        g, f = r["gateway"], r["floor"]
        lines.append(
            f"| {count:,} | {g['first']:.1f} / {g['p50']:.1f} / {g['p99']:.1f} | {g['rss']:.0f} "
            f"({g['per_sub_kb']:.1f} KB/sub) | {f['first']:.1f} / {f['p50']:.1f} / {f['p99']:.1f} "
            f"| {f['rss']:.0f} ({f['per_sub_kb']:.1f} KB/sub) | {g['p99'] / f['p99']:.2f}x "
            f"| {g['per_sub_kb'] / f['per_sub_kb']:.2f}x |"
        )
    lines += [
        "",
        "## Metric multiplexing",
        '`metricUpdates(metrics: ["totalUsers", "revenue"], period: 1)` watched for 3 s:',
        "",
        "| watchers | recomputes |",
        "|---|---|",
        *(f"| {w:,} | {n} |" for w, n in recomputes.items()),
        "",
        "One recompute per workspace, metric set and period, however many watch.",
    ]
    return "\n".join(lines)


async def main(counts: list[int]) -> None:
    _raise_fd_limit()
    before = load_average()
    async with scratch_database(os.environ["DATABASE_URL"], "bench_subscribers", None, False) as (
        url,
        _,
    ):
        rows = []
        for count in counts:
            result = await fan_out(count, url)
            rows.append((count, result))
            print(count, json.dumps(result), flush=True)
        recomputes = {w: await metric_recomputes(url, w) for w in (1, 1000)}
    text = section(rows, recomputes, f"{before} before, {load_average()} after")
    print(text)
    if os.environ.get("BENCH_WRITE", "1") == "1":
        replace_section("subscribers", text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--client"]:
        url, count, *key = sys.argv[2:]
        uvloop.run(client_main(url, int(count), key[0] if key else None))
    else:
        asyncio.run(main([int(a) for a in sys.argv[1:]] or [1000, 10000]))
