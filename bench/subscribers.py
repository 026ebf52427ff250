"""Subscriber fan-out benchmark (docs/benchmarks.md): N graphql-transport-ws subscribers on one
gateway process receive one event; the floor is a bare `websockets` broadcast of the same
payload to N clients. Also: metric recomputes per interval with 1 and 1,000 watchers.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test python bench/subscribers.py 1000 10000

Everything runs on 127.0.0.1 and stops by itself. Latency is from the moment the event is
triggered (the upload request sent / the broadcast trigger) to each client's receipt.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD_QUERY = 'subscription { events(types: ["user.registered"]) { id type data timestamp } }'
UPLOAD = 'mutation($d: [JSON!]!) { uploadData(dataType: "users", data: $d) { recordsInserted } }'


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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


async def _open(url: str, count: int, subscribe: bool, key: str = "") -> list:
    clients = []
    for start in range(0, count, 200):  # connect in waves: the listen backlog is finite
        batch = [
            connect(
                url,
                subprotocols=["graphql-transport-ws"] if subscribe else None,
                max_queue=None,
                ping_interval=None,
                open_timeout=60,
            )
            for _ in range(min(200, count - start))
        ]
        opened = await asyncio.gather(*batch)
        if subscribe:
            for ws in opened:
                init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {key}"}}
                await ws.send(json.dumps(init))
            await asyncio.gather(*(ws.recv() for ws in opened))
            for ws in opened:
                payload = {"query": PAYLOAD_QUERY}
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        clients += opened
    return clients


async def _latencies(clients: list, started: list[float]) -> list[float]:
    async def one(ws) -> float:
        await ws.recv()
        return time.perf_counter() - started[0]

    return sorted(await asyncio.wait_for(asyncio.gather(*(one(c) for c in clients)), 120))


def _summary(latencies: list[float]) -> tuple[float, float]:
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    return p50, p99


async def gateway_run(count: int, database_url: str) -> dict:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "WORKER_IN_APP": "false",
        "RELAY_POLL_SECONDS": "0.05",
        "REDIS_URL": "",
        "SUBSCRIBER_QUEUE_SIZE": "256",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "gateway.app:create_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        key = await _api_key(database_url)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(headers=headers) as http:
            for _ in range(300):
                try:
                    await http.get(f"http://127.0.0.1:{port}/")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            rss_before = _rss_mb(server.pid)
            clients = await _open(f"ws://127.0.0.1:{port}/graphql", count, subscribe=True, key=key)
            await asyncio.sleep(2)
            rss = _rss_mb(server.pid)
            started = [time.perf_counter()]
            user = {"id": f"user_b{uuid.uuid4().hex[:12]}", "created_at": "2024-03-01T00:00:00Z"}
            waiting = asyncio.ensure_future(_latencies(clients, started))
            await http.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": UPLOAD, "variables": {"d": [user]}},
            )
            latencies = await waiting
        for ws in clients:
            await ws.close()
        p50, p99 = _summary(latencies)
        return {
            "p50": p50,
            "p99": p99,
            "rss": rss,
            "rss_per_sub_kb": (rss - rss_before) * 1024 / count,
        }
    finally:
        server.terminate()
        server.wait(30)


FLOOR_SERVER = """
import asyncio, sys, websockets
from websockets.asyncio.server import serve, broadcast
clients = set()
async def handler(ws):
    if ws.request.path == "/go":
        await ws.recv(); broadcast(clients, sys.argv[2]); return
    clients.add(ws)
    try: await ws.wait_closed()
    finally: clients.discard(ws)
async def main():
    async with serve(handler, "127.0.0.1", int(sys.argv[1]), ping_interval=None, backlog=4096):
        await asyncio.Future()
asyncio.run(main())
"""


async def floor_run(count: int, payload: str) -> dict:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(port), payload])
    try:
        await asyncio.sleep(1)
        rss_before = _rss_mb(server.pid)
        clients = await _open(f"ws://127.0.0.1:{port}/", count, subscribe=False)
        await asyncio.sleep(1)
        rss = _rss_mb(server.pid)
        started = [time.perf_counter()]
        waiting = asyncio.ensure_future(_latencies(clients, started))
        async with connect(f"ws://127.0.0.1:{port}/go") as trigger:
            await trigger.send("go")
            latencies = await waiting
        for ws in clients:
            await ws.close()
        p50, p99 = _summary(latencies)
        return {
            "p50": p50,
            "p99": p99,
            "rss": rss,
            "rss_per_sub_kb": (rss - rss_before) * 1024 / count,
        }
    finally:
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


async def main(counts: list[int]) -> None:
    _raise_fd_limit()
    database_url = os.environ["DATABASE_URL"]
    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine
    from gateway.settings import Settings

    engine = create_engine(database_url, pool_size=1)
    await prepare_database(engine, Settings(database_url=database_url, _env_file=None))
    await engine.dispose()
    payload = json.dumps(
        {
            "type": "next",
            "id": "1",
            "payload": {
                "data": {
                    "events": {
                        "id": "evt_0123456789abcdef",
                        "type": "user.registered",
                        "data": {"userId": "user_1"},
                        "timestamp": "2024-03-01T00:00:00Z",
                    }
                }
            },
        }
    )
    print(
        "| subscribers | gateway p50 / p99 (ms) | gateway RSS (MB) | floor p50 / p99 (ms) "
        "| floor RSS (MB) | p50 ratio |"
    )
    print("|---|---|---|---|---|---|")
    for count in counts:
        g = await gateway_run(count, database_url)
        f = await floor_run(count, payload)
        print(
            f"| {count:,} | {g['p50']:.1f} / {g['p99']:.1f} | {g['rss']:.0f} "
            f"({g['rss_per_sub_kb']:.1f} KB/sub) | {f['p50']:.1f} / {f['p99']:.1f} | "
            f"{f['rss']:.0f} ({f['rss_per_sub_kb']:.1f} KB/sub) | {g['p50'] / f['p50']:.1f}x |"
        )
    for watchers in (1, 1000):
        n = await metric_recomputes(database_url, watchers)
        print(f"metric recomputes in 3 s, period 1 s, {watchers} watcher(s): {n}")


if __name__ == "__main__":
    asyncio.run(main([int(a) for a in sys.argv[1:]] or [1000, 10000]))
