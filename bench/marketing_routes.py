"""Time every GET /api/marketing route (spec 000) at demo scales, uncached and cached, and
against the same SQL run directly with asyncpg.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/marketing_routes.py --scales 1 10

For each scale: creates `gateway_bench_<random>` on DATABASE_URL's server, migrates it,
loads `gateway demo` data (or, with --reuse SCALE=DBNAME, measures a database loaded
earlier: at scale 10 the load alone takes well over 20 minutes on 2 cores), and in process
(the real app over httpx's ASGI transport, cache off) mints an owner token, generates an
`mk_live_` API key and captures the SQL one request of each route issues with a SQLAlchemy
`before_cursor_execute` listener. Then, with ANALYTICS_CACHE=false and again =true:
  1. starts one uvicorn per scale on 127.0.0.1 (random ports), all at once;
  2. drives every route from a load generator in a separate process (this script with
     `client`: keep-alive HTTP/1.1 clients, bench/lean_http.py, one request at a time,
     alternating between the scales, bounded per route by --requests and --seconds), so a
     route's scales are timed side by side under the same load of the shared machine;
  3. (uncached) after each route, replays its captured statements with asyncpg on one
     connection per database, alternating between the scales (the direct-SQL time).
With --profile ROUTE it also profiles one uncached request of ROUTE in process with
pyinstrument, if installed, at the largest scale.
Writes the `marketing_routes` section of docs/benchmarks.md, drops the scratch databases
and stops its subprocesses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from lean_http import LeanClient  # bench/lean_http.py
from load_and_query import (  # bench/load_and_query.py; bench scripts run as scripts
    _free_port,
    _with_database,
    load_average,
    machine,
    percentile,
    row_counts,
)
from sections import replace_section
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
SCOPES = ["read:analytics", "read:users", "read:characters", "read:revenue"]
# Exports are timed over a small period (the brief: bounded work per request).
QUERIES = {"/api/marketing/export/": {"period": "7d", "format": "json"}}
TARGET_P95_MS, TARGET_GROWTH = 100.0, 1.5


def marketing_gets() -> list[tuple[str, dict[str, str]]]:
    """Every documented GET of spec 000, from the route declarations (defaults as the
    spec documents them, exports over 7 days)."""
    from gateway.rest.marketing.routes import ROUTES

    gets = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        query = next((q for prefix, q in QUERIES.items() if route.path.startswith(prefix)), {})
        gets.append((route.path, query))
    return gets


# --- the load generator (a separate process) -------------------------------------------


async def client_main(job: dict[str, Any]) -> dict[str, Any]:
    """For each route, requests alternate between the targets (one gateway per scale), so
    every scale is timed under the same machine load. Per target and route: whole-response
    latencies; for the streamed exports also the time to the first body bytes (which
    already hold the first batch of rows) and the rows exported."""
    clients = [
        LeanClient(t["base"], headers={"Authorization": f"Bearer {t['key']}"})
        for t in job["targets"]
    ]
    n = len(clients)
    whole: list[dict[str, list[float]]] = [{} for _ in range(n)]
    first: list[dict[str, list[float]]] = [{} for _ in range(n)]
    exported: list[dict[str, int]] = [{} for _ in range(n)]
    differ: list[str] = []
    try:
        for path, query in job["routes"]:
            bodies = []
            for client in clients:
                for _ in range(job["warmup"]):
                    body = (await _timed(client, path, query))[2]
                bodies.append(body)
            for a, b in job.get("same", []):  # gateways that must answer alike
                if _comparable(bodies[a]) != _comparable(bodies[b]):
                    differ.append(path)
            for i in range(n):
                whole[i][path], first[i][path] = [], []
            started, done = time.perf_counter(), 0
            while done < job["requests"] and (
                time.perf_counter() - started < job["seconds"] or done < 3
            ):
                # The order flips every round, so no target always follows another.
                order = list(enumerate(clients))
                for i, client in order if done % 2 == 0 else order[::-1]:
                    to_first, total, body = await _timed(client, path, query)
                    whole[i][path].append(total)
                    first[i][path].append(to_first)
                    if is_export(path) and done == 0:
                        exported[i][path] = _records(body)
                done += 1
    finally:
        for client in clients:
            await client.aclose()
    return {"whole": whole, "first": first, "exported": exported, "differ": differ}


# Stamped per answer, or measured per request (health's latency, connections, uptime).
_VOLATILE = {"timestamp", "requestId", "generatedAt", "apiLatency", "activeConnections",
             "serverUptime", "exportedAt", "lastUpdated"}  # fmt: skip


def _comparable(body: bytes) -> Any:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _VOLATILE}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(json.loads(body))


def is_export(path: str) -> bool:
    return path.startswith("/api/marketing/export/")


def _records(body: bytes) -> int:
    data = json.loads(body)["data"]
    return data.get("totalRecords") or data.get("summary", {}).get("totalTransactions", 0)


async def _timed(
    client: LeanClient, path: str, query: dict[str, str]
) -> tuple[float, float, bytes]:
    """(ms to the first body bytes, ms to the whole body, the body)."""
    status, to_first, total, body = await client.get(path, query)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
    return to_first, total, body


async def _get(client: httpx.AsyncClient, path: str, query: dict[str, str]) -> bytes:
    """An in-process request (httpx over the app's ASGI transport): warm-ups, capture."""
    response = await client.get(path, params=query)
    body = await response.aread()
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return body


def run_client(job: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "client"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=job["seconds"] * len(job["routes"]) * 3 + 600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


# --- the gateway under test (uvicorn subprocess) ---------------------------------------


@dataclass
class Served:
    """One mode's run at one scale: per route, the latency judged against the targets (the
    whole response; for a streamed export, its first rows), the exports' whole-body
    latencies and row counts, and (uncached) the direct-SQL replay times."""

    answer: dict[str, list[float]] = field(default_factory=dict)
    export_whole: dict[str, list[float]] = field(default_factory=dict)
    exported: dict[str, int] = field(default_factory=dict)
    direct: dict[str, list[float]] = field(default_factory=dict)
    # Side by side with the gateway (uncached): an older checkout's gateway (--base-code)
    # and the bare floor (bench/bare_app.py), on the same database.
    before: dict[str, list[float]] = field(default_factory=dict)
    floor: dict[str, list[float]] = field(default_factory=dict)
    differ: list[str] = field(default_factory=list)  # routes the two checkouts answer unalike


def _start_server(
    url: str, cache: bool, code: Path = ROOT, floor_statements: Path | None = None
) -> tuple[subprocess.Popen, str]:
    """The gateway from `code` (this checkout, or an older one unpacked by `git archive`),
    or with `floor_statements` the bare floor serving those statements."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "DATABASE_URL": url,
        "MIGRATE_ON_START": "false",
        "ANALYTICS_CACHE": "true" if cache else "false",
        "RATE_LIMIT_SCALE": "0",  # limits off: the benchmark is one principal hammering
        "RELAY_IN_APP": "false",  # no pollers competing for the two cores
        "WORKER_IN_APP": "false",
    }
    app = "gateway.app:create_app"
    if floor_statements is not None:
        env |= {"PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}", "BARE_STATEMENTS": str(floor_statements)}
        app = "bare_app:create_app"
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", app,
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=code,
    )  # fmt: skip
    return server, f"http://127.0.0.1:{port}"


async def _wait_until_up(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5) as probe:
        for _ in range(600):
            try:
                if (await probe.get("/")).status_code < 500:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"uvicorn at {base} did not start")


async def serve_and_drive(
    prepared: list[Prepared], cache: bool, args: argparse.Namespace, replay_sql: bool
) -> list[Served]:
    """One gateway per scale, all up at once; route by route, the load generator alternates
    its requests between them and (with `replay_sql`) each route's captured SQL is then
    replayed, alternating between the scales too: every scale of a route sees the same
    machine load, so the growth ratios are measured side by side."""
    # (scale's index, what: "gateway" | "before" | "floor"), one server each
    kinds = [(i, "gateway") for i in range(len(prepared))]
    if args.base_code is not None:
        kinds += [(i, "before") for i in range(len(prepared))]
    if replay_sql:
        kinds += [(i, "floor") for i in range(len(prepared))]
    servers, pickles = [], []
    for i, what in kinds:
        url = prepared[i].url
        if what == "gateway":
            servers.append(_start_server(url, cache))
        elif what == "before":
            servers.append(_start_server(url, cache, code=args.base_code))
        else:
            statements = Path(f"/tmp/marketing_routes_floor_{os.getpid()}_{i}.pickle")
            statements.write_bytes(pickle.dumps(prepared[i].captured.statements))
            pickles.append(statements)
            servers.append(_start_server(url, cache, floor_statements=statements))
    try:
        for _, base in servers:
            await _wait_until_up(base)
        served = [Served() for _ in prepared]
        targets = [
            {"base": base, "key": prepared[i].captured.key}
            for (i, _), (_, base) in zip(kinds, servers, strict=True)
        ]
        same = [(kinds.index((i, "gateway")), t) for t, (i, w) in enumerate(kinds) if w == "before"]
        for route in marketing_gets():
            path = route[0]
            job = {
                "targets": targets,
                "same": same,
                "routes": [route],
                "warmup": args.warmup,
                "requests": args.requests,
                "seconds": args.seconds,
            }
            # The floor answers no streamed export (floors are the last targets, so the
            # others keep their indexes).
            if is_export(path):
                job["targets"] = [
                    t for t, (_, what) in zip(targets, kinds, strict=True) if what != "floor"
                ]
            timed = await asyncio.to_thread(run_client, job)
            if timed["differ"]:
                print(f"{path}: this checkout and --base-code answer differently", flush=True)
                for out in served:
                    out.differ.append(path)
            for t, (i, what) in enumerate(kinds):
                out = served[i]
                if what == "floor" and is_export(path):
                    continue
                if what == "before":  # exports: the whole body, as the SQL replay is
                    out.before[path] = timed["whole"][t][path]
                elif what == "floor":
                    out.floor[path] = timed["whole"][t][path]
                elif is_export(path):
                    out.answer[path] = timed["first"][t][path]
                    out.export_whole[path] = timed["whole"][t][path]
                    out.exported[path] = timed["exported"][t][path]
                else:
                    out.answer[path] = timed["whole"][t][path]
            if replay_sql:
                times = await replay(
                    [(p.url, p.captured.statements[path]) for p in prepared], args.direct_runs
                )
                for out, latencies in zip(served, times, strict=True):
                    out.direct[path] = latencies
        return served
    finally:
        for server, _ in servers:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for statements in pickles:
            statements.unlink(missing_ok=True)


# --- in process: credentials, captured SQL, profile ------------------------------------


@dataclass
class Captured:
    key: str
    statements: dict[str, list[tuple[str, tuple]]] = field(default_factory=dict)
    profile: str = ""


async def capture(settings: Any, profile_path: str | None) -> Captured:
    from asgi_lifespan import LifespanManager

    from gateway.app import create_app

    sys.path.insert(0, str(ROOT))
    from tests.utils.accounts import owner_token

    app = create_app(
        settings.model_copy(
            update={
                "analytics_cache": False,
                "rate_limit_scale": 0,
                "relay_in_app": False,
                "worker_in_app": False,
            }
        )
    )
    async with LifespanManager(app, startup_timeout=120) as manager:
        token = await owner_token(app, settings.default_workspace_id)
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            made = await client.post(
                "/api/marketing/keys/generate",
                json={"name": "marketing route benchmark", "permissions": SCOPES},
                headers={"Authorization": f"Bearer {token}"},
            )
            made.raise_for_status()
            result = Captured(key=made.json()["data"]["apiKey"])
            client.headers["Authorization"] = f"Bearer {result.key}"
            engine = app.state.engine.sync_engine
            for path, query in marketing_gets():
                await _get(client, path, query)  # warm: first-use statements
                seen: list[tuple[str, tuple]] = []

                def record(
                    _c: Any,
                    _cur: Any,
                    statement: str,
                    params: Any,
                    _context: Any,
                    executemany: bool,
                    seen: list = seen,
                ) -> None:
                    # Only the route's reads: the access log and a key's last use are writes
                    # (and replaying an insert would clash with the row already written).
                    # ("WITH ..." statements are reads too: the first word decides.)
                    first = statement.split(None, 1)[0].upper() if statement.strip() else ""
                    if not executemany and first in ("SELECT", "WITH"):
                        seen.append((statement, tuple(params or ())))

                event.listen(engine, "before_cursor_execute", record)
                try:
                    await _get(client, path, query)
                finally:
                    event.remove(engine, "before_cursor_execute", record)
                result.statements[path] = seen
            if profile_path:
                result.profile = await _profile(client, profile_path, dict(marketing_gets()))
    return result


async def _profile(client: httpx.AsyncClient, path: str, queries: dict) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "(pyinstrument is not installed: `pip install pyinstrument` to profile)"
    profiler = Profiler(async_mode="enabled", interval=0.0005)
    with profiler:
        for _ in range(5):
            await _get(client, path, queries.get(path, {}))
    return _trim(profiler.output_text(unicode=False, color=False, show_all=False))


def _trim(text: str) -> str:
    """The event loop's part of the tree, indentation removed: the request through the
    middleware and the route, and the tasks it starts (the projected root's resolver, its
    concurrent reads, the frame read), which asyncio runs as callbacks of their own."""
    lines = [ln.removeprefix(". ") for ln in text.splitlines()]
    start = next((i for i, ln in enumerate(lines) if "Handle._run" in ln), 0)
    cut = len(lines[start]) - len(lines[start].lstrip(" |`-"))
    keep = []
    for ln in lines[start:]:
        if keep and ln.strip() and len(ln) - len(ln.lstrip(" |`-")) < cut:
            break  # left the event loop's subtree
        if ln.strip(" ."):
            keep.append(ln[cut:])
    return "\n".join(keep[:70])


async def replay(targets: list[tuple[str, list]], runs: int) -> list[list[float]]:
    """One route's statements at each scale, in sequence on one asyncpg connection per
    database (prepared statements cached, as the app's driver does), alternating between
    the scales run by run: the time the SQL itself takes."""
    conns = [await asyncpg.connect(url) for url, _ in targets]
    try:
        for conn, (_, seen) in zip(conns, targets, strict=True):
            for statement, params in seen:  # warm: plans, buffers
                await conn.fetch(statement, *params)
        times: list[list[float]] = [[] for _ in targets]
        for _ in range(runs):
            for i, (conn, (_, seen)) in enumerate(zip(conns, targets, strict=True)):
                t0 = time.perf_counter()
                for statement, params in seen:
                    await conn.fetch(statement, *params)
                times[i].append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        for conn in conns:
            await conn.close()


# --- the scales ------------------------------------------------------------------------


@dataclass
class Prepared:
    """A scale's database, loaded (or reused), with its credentials and captured SQL."""

    scale: float
    name: str
    url: str
    counts: dict[str, int]
    load_seconds: float | None
    captured: Captured


@dataclass
class ScaleResult:
    scale: float
    counts: dict[str, int]
    load_seconds: float | None
    uncached: dict[str, list[float]]
    cached: dict[str, list[float]]
    direct: dict[str, list[float]]
    export_whole: dict[str, list[float]]
    exported: dict[str, int]
    statements: dict[str, int]
    profile: str
    before: dict[str, list[float]]
    floor: dict[str, list[float]]
    differ: list[str]


async def prepare_scale(
    server_url: str, scale: float, reuse: str | None, args: argparse.Namespace
) -> Prepared:
    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine, plain_url
    from gateway.demo import load_demo
    from gateway.settings import Settings

    name = reuse or f"gateway_bench_{uuid.uuid4().hex[:8]}"
    url = _with_database(server_url, name)
    settings = Settings(database_url=url, migrate_on_start=False, _env_file=None)
    load_seconds = None
    if not reuse:
        admin = await asyncpg.connect(plain_url(server_url))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        engine = create_engine(url, pool_size=1)
        try:
            await prepare_database(engine, settings)
        finally:
            await engine.dispose()
        started = time.perf_counter()
        await load_demo(settings, scale=scale, seed=args.seed, domains=("platform",))
        load_seconds = time.perf_counter() - started
    counts = await row_counts(url, settings.default_workspace_id)
    print(f"scale {scale:g}: {counts.get('messages', 0):,} messages", flush=True)
    captured = await capture(settings, args.profile if scale == args.scales[-1] else None)
    return Prepared(scale, name, url, counts, load_seconds, captured)


async def measure(prepared: list[Prepared], args: argparse.Namespace) -> list[ScaleResult]:
    print("serving uncached at every scale (and the direct SQL)", flush=True)
    uncached = await serve_and_drive(prepared, False, args, replay_sql=True)
    print("serving cached at every scale", flush=True)
    cached = await serve_and_drive(prepared, True, args, replay_sql=False)
    return [
        ScaleResult(
            scale=p.scale,
            counts=p.counts,
            load_seconds=p.load_seconds,
            uncached=u.answer,
            cached=c.answer,
            direct=u.direct,
            export_whole=u.export_whole,
            exported=u.exported,
            statements={path: len(seen) for path, seen in p.captured.statements.items()},
            profile=p.captured.profile,
            before=u.before,
            floor=u.floor,
            differ=u.differ,
        )
        for p, u, c in zip(prepared, uncached, cached, strict=True)
    ]


# --- the report ------------------------------------------------------------------------


def _p(values: list[float], p: float) -> float:
    return percentile(values, p) if values else float("nan")


def report(
    results: list[ScaleResult], info: dict, pg: str, loads: tuple[str, str], args: Any
) -> str:
    base, top = results[0], results[-1]
    paths = [p for p, _ in marketing_gets()]
    short = {p: p.removeprefix("/api/marketing") for p in paths}
    lines = [
        "## Spec 000 marketing routes (bench/marketing_routes.py)",
        "",
        f"Date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
        "",
        "### Machine",
        "",
        f"- CPU: {info['cpu']} ({info['nproc']} cores as seen by nproc); memory {info['memory']}",
        f"- {pg}; Python {info['python']}",
        f"- Load average (1/5/15 min) before: {loads[0]}; after: {loads[1]}. The machine is "
        "shared, so other processes compete for the two cores: treat times as upper bounds.",
        "",
        "### Method",
        "",
        f"- Datasets: `gateway demo --scale S --seed {args.seed} --domain platform` (spec 000's "
        "data; the routes read nothing else) for S in "
        f"{', '.join(f'{r.scale:g}' for r in results)} (one scratch database each; "
        "messages: "
        + ", ".join(f"{r.counts.get('messages', 0):,} at {r.scale:g}" for r in results)
        + "; load "
        + ", ".join(
            f"{r.load_seconds:.0f} s at {r.scale:g}"
            if r.load_seconds
            else f"loaded beforehand at {r.scale:g}"
            for r in results
        )
        + ").",
        "- One uvicorn (one worker) per scale"
        + (" and checkout (this one and --base-code's)" if args.base_code else "")
        + ", and uncached a bare floor per scale (bench/bare_app.py), all up at once, on "
        "127.0.0.1; the load generator is a separate process (this script's `client`: "
        "asyncio and a lean keep-alive HTTP/1.1 client, bench/lean_http.py, one request at a "
        "time, so the figures are latencies, not throughput). For each route it alternates "
        "its requests between these servers (a request to each in turn, the order reversed "
        "every round), so they are timed side "
        f"by side under the same machine load: {args.warmup} warm-up requests at each, then "
        f"up to {args.requests} rounds or {args.seconds:g} s per route (at least 3). "
        "Authenticated with an `mk_live_` API key; rate limits, the relay and the webhook "
        "worker off.",
        "- Uncached: `ANALYTICS_CACHE=false` (every request runs the analytics SQL). Cached: "
        "the default cache (Redis if REDIS_URL is set, else in process), warm. Exports "
        "stream from the database and are never cached; they run with `period=7d&format=json`. "
        "A streamed export answers when its first rows arrive: its latency below is the time "
        "to the first body bytes (the envelope's opening and the first keyset batch of "
        "rows); the whole body grows with the rows exported by nature and is timed apart, "
        "under Exports.",
        "- Direct SQL: the statements one uncached request issues (all of them: the API-key "
        "lookup when the principal cache does not hold the key, the frame/generations read, "
        "the analytics queries), captured in process "
        "with a `before_cursor_execute` listener, replayed in sequence on one asyncpg "
        f"connection per database {args.direct_runs} times, alternating between the scales "
        "run by run, right after the route's uncached HTTP run. The gateway may run a "
        "request's statements concurrently on several connections, so the ratio can fall "
        "below 1.",
        "",
    ]
    header = "| route | stmts |" + "".join(f" p50 / p95 @{r.scale:g} |" for r in results)
    if len(results) > 1:
        header += f" growth p50 / p95 ({top.scale:g} vs {base.scale:g}) |"
    lines += [
        "### Uncached latency (ms)",
        "",
        header,
        "|---|---:|" + "---:|" * (len(results) + (len(results) > 1)),
    ]
    misses: list[str] = []
    for p in paths:
        row = f"| {short[p]} | {top.statements.get(p, 0)} |"
        for r in results:
            row += f" {_p(r.uncached[p], 50):.1f} / {_p(r.uncached[p], 95):.1f} |"
        reasons = []
        p95_top = _p(top.uncached[p], 95)
        if p95_top >= TARGET_P95_MS:
            reasons.append(f"p95 {p95_top:.0f} ms at scale {top.scale:g}")
        if len(results) > 1:
            g50 = _p(top.uncached[p], 50) / _p(base.uncached[p], 50)
            g95 = p95_top / _p(base.uncached[p], 95)
            row += f" {g50:.2f}x / {g95:.2f}x |"
            if g50 >= TARGET_GROWTH:
                reasons.append(f"p50 grows {g50:.1f}x")
        if reasons:
            misses.append(f"- `{short[p]}`: " + ", ".join(reasons))
        lines.append(row)
    lines += [
        "",
        f"Targets (issue 4): p95 < {TARGET_P95_MS:.0f} ms uncached at scale 10 and < "
        f"{TARGET_GROWTH}x growth from scale 1 to 10. "
        + (
            "The largest scale measured here is "
            f"{top.scale:g}, not 10: the figures below judge the targets at {top.scale:g}."
            if top.scale != 10
            else ""
        ),
        "",
        f"Routes missing a target ({len(misses)} of {len(paths)}):",
        "",
        *(misses or ["- none"]),
        "",
        *_exports_table(results, paths, short),
        "### Cached vs uncached, and the gateway vs direct SQL (ms, p50)",
        "",
        "Exports: uncached is the whole body here (as the direct SQL, all its keyset "
        "batches, is); cached is the time to the first rows (exports are never cached).",
        "",
        "| route |"
        + "".join(
            f" uncached @{r.scale:g} | cached @{r.scale:g} | direct SQL @{r.scale:g} |"
            f" gateway / SQL @{r.scale:g} |"
            for r in results
        ),
        "|---|" + "---:|" * (4 * len(results)),
    ]
    for p in paths:
        row = f"| {short[p]} |"
        for r in results:
            u = _p(r.export_whole[p] if is_export(p) else r.uncached[p], 50)
            c, d = _p(r.cached[p], 50), _p(r.direct[p], 50)
            row += f" {u:.1f} | {c:.1f} | {d:.1f} | {u / d if d else float('nan'):.2f}x |"
        lines.append(row)
    lines.append("")
    lines += _ratio_table(results, paths, short, args)
    for r in results:
        if r.profile:
            lines += [
                f"### Profile: 5 uncached requests of {args.profile} at scale {r.scale:g}",
                "",
                "pyinstrument, in process (the app over the ASGI transport), wall time:",
                "",
                "```",
                r.profile.strip(),
                "```",
                "",
            ]
    return "\n".join(lines)


TARGET_SQL_RATIO = 1.2  # issue 13: every route uncached within 1.2x of its SQL


def _ratio_table(results: list[ScaleResult], paths: list[str], short: dict, args: Any) -> list[str]:
    """Issue 13's ratio per route, uncached p50: the gateway over its SQL replayed, and
    over the bare floor (the same SQL behind the same key check in a bare Starlette route);
    with --base-code also the older checkout's, timed side by side."""
    base = args.base_code is not None
    lines = [
        "### Issue 13: the gateway against its SQL and a bare floor (uncached, ms, p50)",
        "",
        "Floor: bench/bare_app.py, a bare Starlette route with the gateway's key check (the "
        "same principal cache) running the route's captured statements in sequence on one "
        "pooled connection and answering their rows as JSON, served beside the gateway and "
        "timed in the same alternating rounds. "
        + (
            "Before: the older checkout (--base-code), served beside it on the same "
            "database, its answers checked equal to this checkout's first."
            if base
            else ""
        ),
        "",
    ]
    for r in results:
        head = f"| route @{r.scale:g} | SQL | floor |"
        rule = "|---|---:|---:|"
        if base:
            head += " before | before / SQL | before / floor |"
            rule += "---:|---:|---:|"
        head += " gateway | gateway / SQL | gateway / floor |"
        rule += "---:|---:|---:|"
        lines += [head, rule]
        met = 0
        rows = [p for p in paths if not is_export(p)]
        for p in rows:
            d, f = _p(r.direct[p], 50), _p(r.floor.get(p, []), 50)
            row = f"| {short[p]} | {d:.1f} | {f:.1f} |"
            if base:
                b = _p(r.before.get(p, []), 50)
                row += f" {b:.1f} | {b / d:.2f}x | {b / f:.2f}x |"
            g = _p(r.uncached[p], 50)
            row += f" {g:.1f} | {g / d:.2f}x | {g / f:.2f}x |"
            met += g / d <= TARGET_SQL_RATIO
            lines.append(row)
        lines += [
            "",
            f"Within {TARGET_SQL_RATIO}x of their SQL at scale {r.scale:g}: {met} of "
            f"{len(rows)} routes (exports, streamed and never cached, are in the table above)."
            + (
                f" Answered differently by the two checkouts: {', '.join(r.differ)}."
                if r.differ
                else (" Both checkouts answered every route alike." if base else "")
            ),
            "",
        ]
    return lines


def _exports_table(results: list[ScaleResult], paths: list[str], short: dict) -> list[str]:
    exports = [p for p in paths if is_export(p)]
    lines = [
        "### Exports: the whole body (uncached, ms)",
        "",
        "| route |"
        + "".join(
            f" rows @{r.scale:g} | p50 / p95 @{r.scale:g} | rows/s @{r.scale:g} |" for r in results
        ),
        "|---|" + "---:|" * (3 * len(results)),
    ]
    for p in exports:
        row = f"| {short[p]} |"
        for r in results:
            whole, rows = r.export_whole[p], r.exported[p]
            rate = rows / (_p(whole, 50) / 1000) if rows else 0
            row += f" {rows:,} | {_p(whole, 50):.1f} / {_p(whole, 95):.1f} | {rate:,.0f} |"
        lines.append(row)
    return [*lines, ""]


async def main(args: argparse.Namespace) -> None:
    from gateway.database import plain_url

    server_url = args.database_url or os.environ.get("DATABASE_URL")
    if not server_url:
        raise SystemExit("set DATABASE_URL or pass --database-url")
    reuse = dict(item.split("=", 1) for item in args.reuse)
    admin = await asyncpg.connect(plain_url(server_url))
    pg = (await admin.fetchval("SELECT version()")).split(" on ")[0]
    await admin.close()
    loads_before = load_average()
    prepared: list[Prepared] = []
    try:
        for scale in args.scales:
            prepared.append(await prepare_scale(server_url, scale, reuse.get(f"{scale:g}"), args))
        results = await measure(prepared, args)
    finally:
        if not args.keep:
            admin = await asyncpg.connect(plain_url(server_url))
            try:
                for p in prepared:
                    if p.name not in reuse.values():  # a reused database is left as it is
                        await admin.execute(f'DROP DATABASE IF EXISTS "{p.name}" WITH (FORCE)')
            finally:
                await admin.close()
    if args.raw:
        args.raw.write_text(json.dumps({f"{r.scale:g}": r.__dict__ for r in results}))
    text = report(results, machine(), pg, (loads_before, load_average()), args)
    replace_section("marketing_routes", text, args.output)
    print(text)


if __name__ == "__main__":
    if sys.argv[1:] == ["client"]:
        print(json.dumps(asyncio.run(client_main(json.load(sys.stdin)))))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="a server to create the scratch databases on")
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--reuse",
        nargs="*",
        default=[],
        metavar="SCALE=DBNAME",
        help="measure an already loaded demo database for SCALE (left as it is)",
    )
    parser.add_argument("--keep", action="store_true", help="do not drop the databases made")
    parser.add_argument(
        "--base-code",
        type=Path,
        help="also serve an older checkout (`git archive <commit> | tar -x -C DIR`) on the "
        "same databases, side by side with this one",
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60, help="per route and mode")
    parser.add_argument("--seconds", type=float, default=15, help="per route and mode")
    parser.add_argument("--direct-runs", type=int, default=20)
    parser.add_argument("--profile", help="a route path to profile, e.g. /api/marketing/...")
    parser.add_argument("--raw", type=Path, help="also write the raw latencies (JSON) here")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    asyncio.run(main(parser.parse_args()))
