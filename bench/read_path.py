"""The read path side by side: throughput and latency of one query on two servers at once.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<a demo database> \
        .venv/bin/python bench/read_path.py fifty --against postgraphile

Scenarios (a GraphQL document per server kind, answers normalised to compare them):
  fifty     "50 characters with their creator"
  top20     the README's top-20 query (totals, creators, page info)
  typename  `{ __typename }` with the API key
Servers: `gateway` (this checkout) against `postgraphile`, `bare` (bench/bare_app.py: a
Starlette route with the same key check), `base` (the gateway from --base-code, e.g. an
older commit unpacked with `git archive`) or `gateway` again (--workers on the second).
Both answer first and must agree; then `--rounds` rounds of autocannon (-c, -d seconds)
alternate between them (the order flips every round), so the shared machine's load falls on
both alike. Prints one line per round and the medians' ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from servers import Load, Server, autocannon, fleet, gateway, postgraphile, python_app

from gateway.auth.demo_access import ensure_demo_access
from gateway.database import create_engine, plain_url, session_factory
from gateway.settings import Settings

FIFTY = "{ characters(first: 50) { nodes { id name creator { id username } } } }"
FIFTY_PG = (
    "{ allCharacters(first: 50, orderBy: [CREATED_AT_DESC, ID_DESC]) "
    "{ nodes { id name creatorByWorkspaceIdAndCreatorId { id username } } } }"
)
TOP20 = (
    "{ characters(first: 20, orderBy: TOTAL_MESSAGES, direction: DESC) { totalCount "
    "nodes { id name category isNsfw totalMessages uniqueUsers favorites imagesGenerated "
    "creator { id username followers charactersCount totalMessages earnings } } "
    "pageInfo { hasNextPage endCursor } } }"
)


def _fifty(data: dict[str, Any]) -> Any:
    nodes = (data.get("characters") or data.get("allCharacters"))["nodes"]
    creator = "creator" if "creator" in (nodes[0] if nodes else {}) else None
    key = creator or "creatorByWorkspaceIdAndCreatorId"
    return [(n["id"], n["name"], (n[key] or {}).get("id"), (n[key] or {}).get("username"))
            for n in nodes]  # fmt: skip


@dataclass
class Scenario:
    documents: dict[str, str]  # server kind -> document
    normalise: Callable[[dict[str, Any]], Any] = lambda data: data


SCENARIOS = {
    "fifty": Scenario({"gateway": FIFTY, "postgraphile": FIFTY_PG}, _fifty),
    "top20": Scenario({"gateway": TOP20}),
    "typename": Scenario({"gateway": "{ __typename }", "bare": "{ __typename }"}),
}


def _kind(server: Server) -> str:
    return server.name if server.name in ("postgraphile", "bare") else "gateway"


async def _api_key(database_url: str) -> str:
    settings = Settings(database_url=database_url, _env_file=None)
    engine = create_engine(database_url, pool_size=1)
    try:
        return (await ensure_demo_access(settings, session_factory(engine))).api_key
    finally:
        await engine.dispose()


def _request(server: Server, scenario: Scenario, key: str) -> tuple[str, bytes, dict[str, str]]:
    document = scenario.documents.get(_kind(server), scenario.documents["gateway"])
    headers = {"content-type": "application/json"}
    if _kind(server) != "postgraphile":
        headers["authorization"] = f"Bearer {key}"
    path = "/graphql"
    return server.url + path, orjson.dumps({"query": document}), headers


def check_answers(servers: list[Server], scenario: Scenario, key: str) -> None:
    answers = []
    for server in servers:
        url, body, headers = _request(server, scenario, key)
        response = httpx.post(url, content=body, headers=headers, timeout=30)
        payload = response.json()
        if response.status_code != 200 or payload.get("errors"):
            raise SystemExit(f"{server.name}: {response.status_code} {payload}")
        answers.append(scenario.normalise(payload["data"]))
    if any(answer != answers[0] for answer in answers[1:]):
        raise SystemExit(f"answers differ: {answers[0]!r:.300} vs {answers[1]!r:.300}")


def run(args: argparse.Namespace) -> dict[str, list[Load]]:
    url = plain_url(args.database_url)
    key = asyncio.run(_api_key(url))
    first = gateway("gateway", url, workers=args.workers[0])
    second = {
        "postgraphile": lambda: postgraphile("postgraphile", url),
        "bare": lambda: python_app("bare", "bare_app", {"DATABASE_URL": url}),
        "base": lambda: gateway("base", url, code=Path(args.base_code)),
        "gateway": lambda: gateway("gateway-2", url, workers=args.workers[-1]),
    }[args.against]()
    scenario = SCENARIOS[args.scenario]
    loads: dict[str, list[Load]] = {first.name: [], second.name: []}
    with fleet([first, second]) as servers:
        check_answers(servers, scenario, key)
        for server in servers:  # warm: connections, prepared statements, plans
            u, body, headers = _request(server, scenario, key)
            autocannon(u, body=body, headers=headers, connections=args.connections, seconds=2)
        for n in range(args.rounds):
            order = servers if n % 2 == 0 else servers[::-1]
            for server in order:
                u, body, headers = _request(server, scenario, key)
                load = autocannon(
                    u, body=body, headers=headers, connections=args.connections,
                    seconds=args.seconds,
                )  # fmt: skip
                loads[server.name].append(load)
                print(
                    f"round {n + 1} {server.name:>12}: {load.rps:8.0f} rps  p50 {load.p50:6.1f}"
                    f" ms  p99 {load.p99:6.1f} ms  errors {load.errors}"
                )
    a, b = (statistics.median(x.rps for x in loads[s.name]) for s in (first, second))
    pa, pb = (statistics.median(x.p50 for x in loads[s.name]) for s in (first, second))
    print(f"{args.scenario}: {first.name} {a:.0f} rps / {second.name} {b:.0f} rps = {a / b:.2f}x;"
          f" p50 {pa:.1f} / {pb:.1f} ms; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    return loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--against", default="postgraphile",
                        choices=["postgraphile", "bare", "base", "gateway"])  # fmt: skip
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--base-code", default="/tmp/gateway-base")
    parser.add_argument("--workers", type=int, nargs="+", default=[1])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
