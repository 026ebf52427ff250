"""Specs 002-004 GET routes through HTTP on two gateways at once: this checkout and an older
one (--base-code, e.g. the commit before these routes took the compiled read path).

    git archive <commit> | tar -x -C /tmp/gateway-base
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<a database loaded with
        `gateway demo --domain coaching --domain organic --domain social --scale 1`> \
        .venv/bin/python bench/family_routes.py --base-code /tmp/gateway-base

Both servers run one process each (production settings, analytics cache off, rate limits
off, no Redis) on the same database. Every route must answer both servers identically
first; then --requests sequential keep-alive requests per route and server, the servers
and routes taken in turn (the order flipped every round) so the machine's other load falls
on both alike. Prints p50 and p90 per route and server, their ratio, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
from load_and_query import load_average, machine, percentile
from servers import Server, fleet, gateway

from gateway.auth.demo_access import ensure_demo_access
from gateway.database import create_engine, plain_url, session_factory
from gateway.settings import Settings

# (name, path, query): list routes with their documented defaults
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "GET /v1/posts": ("/v1/posts", {}),
    "GET /api/content": ("/api/content", {"workspaceId": "ws_default"}),
    "GET /api/v1/users": ("/api/v1/users", {}),
    "GET /api/v1/programs": ("/api/v1/programs", {}),
    "GET /v1/campaigns": ("/v1/campaigns", {}),
    "GET /api/email/leads": ("/api/email/leads", {"workspaceId": "ws_default"}),
}
DEFAULT = ["GET /v1/posts", "GET /api/content", "GET /api/v1/users"]


async def _api_key(database_url: str) -> str:
    settings = Settings(database_url=database_url, _env_file=None)
    engine = create_engine(database_url, pool_size=1)
    try:
        return (await ensure_demo_access(settings, session_factory(engine))).api_key
    finally:
        await engine.dispose()


async def _check(servers: list[Server], names: list[str], headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        for name in names:
            path, query = ROUTES[name]
            bodies = []
            for server in servers:
                answer = await http.get(server.url + path, params=query)
                if answer.status_code != 200:
                    raise SystemExit(f"{server.name} {name}: {answer.status_code} {answer.text}")
                body = answer.json()
                for envelope in (body, body.get("meta") or {}):  # stamped per answer
                    for stamp in ("timestamp", "requestId"):
                        envelope.pop(stamp, None)
                bodies.append(body)
            if bodies[0] != bodies[1]:
                raise SystemExit(f"{name}: the two servers answer differently")


async def _time(
    servers: list[Server], names: list[str], headers: dict[str, str], requests: int
) -> dict[tuple[str, str], list[float]]:
    out: dict[tuple[str, str], list[float]] = {(s.name, n): [] for s in servers for n in names}
    clients = {s.name: httpx.AsyncClient(base_url=s.url, headers=headers, timeout=30)
               for s in servers}  # fmt: skip
    try:
        for _ in range(5):  # warm: connections, statement and plan caches
            for server in servers:
                for name in names:
                    path, query = ROUTES[name]
                    await clients[server.name].get(path, params=query)
        for n in range(requests):
            order = servers if n % 2 == 0 else servers[::-1]
            for server in order:
                for name in names:
                    path, query = ROUTES[name]
                    start = time.perf_counter()
                    answer = await clients[server.name].get(path, params=query)
                    out[(server.name, name)].append((time.perf_counter() - start) * 1000)
                    assert answer.status_code == 200, answer.text
    finally:
        for client in clients.values():
            await client.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--base-code", default="/tmp/gateway-base")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--route", action="append", choices=sorted(ROUTES))
    args = parser.parse_args()
    names = args.route or DEFAULT
    url = plain_url(args.database_url)
    headers = {"authorization": f"Bearer {asyncio.run(_api_key(url))}"}
    settings = {"analytics_cache": "false"}
    this = gateway("compiled", url, **settings)
    base = gateway("base", url, code=Path(args.base_code), **settings)
    before = load_average()
    with fleet([this, base]) as servers:
        asyncio.run(_check(servers, names, headers))
        samples = asyncio.run(_time(servers, names, headers, args.requests))
    print(f"machine: {machine()}; load average before {before}, after {load_average()}")
    print("| route | base p50 / p90 (ms) | compiled p50 / p90 (ms) | p50 ratio |")
    print("|---|---:|---:|---:|")
    for name in names:
        b, c = samples[("base", name)], samples[("compiled", name)]
        bp, cp = statistics.median(b), statistics.median(c)
        print(
            f"| {name} | {bp:.1f} / {percentile(b, 90):.1f} | {cp:.1f} / {percentile(c, 90):.1f}"
            f" | {cp / bp:.2f}x |"
        )


if __name__ == "__main__":
    main()
