"""Spec 001's speed targets, measured side by side in one run on ads data at demo scale 10.

    createdb gateway_bench_pipeline  # any scratch database on DATABASE_URL's server
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gateway_bench_pipeline \
        .venv/bin/gateway demo --scale 10 --domain ads --no-serve
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gateway_bench_pipeline \
        REDIS_URL=redis://127.0.0.1:6379/4 .venv/bin/python bench/pipeline_routes.py

Starts two real uvicorn servers on the database: one with ANALYTICS_CACHE=false (every
answer computed) and one with the cache on (Redis when REDIS_URL is set). Requests go one
at a time over HTTP from this process, in alternating rounds over every case, so the shared
machine's load falls on all of them alike. Cases:
  - dashboard, uncached and cached: 2 metrics (total_spend, avg_ctr) x 1 dimension
    (campaign_name) over the last 7 days of meta_ads, hourly;
  - timeseries, uncached: total_spend by campaign_name, same window;
  - upload of 1,000 ad records (a new batch each time, a source of its own);
  - CSV export: rows per second over a 10,000-bucket export (minute rows loaded by the
    script into snapchat_ads), and the Python heap's peak while streaming exports of
    1,000 to 10,000 buckets in process (tracemalloc): flat means batches, not the export,
    sit in memory.
Writes the `pipeline_routes` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from load_and_query import _free_port, load_average, machine, percentile
from sections import replace_section

from gateway.auth.signing_secret import signing_secret

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = "ws_default"  # the demo's
TARGETS_MS = {"dashboard uncached": 100, "dashboard cached": 10, "timeseries": 150, "upload": 200}
EXPORT_SOURCE, EXPORT_MINUTES = "snapchat_ads", 10_000


async def _token() -> str:
    """An owner's access token for the demo workspace: the demo's own account (tokens must
    name a live account and membership)."""
    import asyncpg

    from gateway.auth.demo_access import DEMO_EMAIL
    from gateway.auth.tokens import TokenService
    from gateway.database import plain_url
    from gateway.settings import Settings

    settings = Settings()
    connection = await asyncpg.connect(plain_url(settings.database_url))
    try:
        account_id = await connection.fetchval(
            "SELECT id FROM dashboard_accounts WHERE email = $1", DEMO_EMAIL
        )
    finally:
        await connection.close()
    assert account_id, "load the demo first (gateway demo --domain ads --no-serve)"
    tokens = TokenService(
        secret=signing_secret(settings),
        issuer=settings.jwt_issuer,
        access_ttl=3600,
        refresh_ttl=3600,
    )
    return tokens.access(
        account_id=account_id,
        email=DEMO_EMAIL,
        role="owner",
        subscription="free",
        workspace_id=WORKSPACE,
    ).token


def _serve(port: int, cache: bool) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PORT": str(port),
        "ANALYTICS_CACHE": "true" if cache else "false",
        "RATE_LIMIT_SCALE": "1000",
        "WORKER_IN_APP": "false",
        "RELAY_IN_APP": "false",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/gateway"), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait(client: httpx.AsyncClient, base: str) -> None:
    for _ in range(200):
        try:
            if (await client.get(f"{base}/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{base} did not start")


def _dashboard(end: datetime) -> dict[str, Any]:
    metric = {"data_type": "meta_ads", "dimensions": ["campaign_name"]}
    return {
        "metrics": [
            {"name": "total_spend", **metric, "aggregation_type": "sum"},
            {"name": "avg_ctr", **metric, "aggregation_type": "avg"},
        ],
        "time_range": {"start": (end - timedelta(days=7)).isoformat(), "end": end.isoformat()},
        "granularity": 3600,
    }


def _upload_body(n: int) -> dict[str, Any]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    rows = [
        {
            "campaign_name": f"Bench Campaign {n}-{i % 10}",
            "date": (start + timedelta(hours=i // 10)).isoformat(),
            "impressions": 1000 + i,
            "clicks": 20 + i % 7,
            "spend": 12.5 + i % 13,
            "conversions": i % 3,
            "utm_source": "linkedin",
        }
        for i in range(1000)
    ]
    return {"data_type": "linkedin_ads", "data": rows, "batch_id": f"bench_{uuid.uuid4().hex}"}


async def _load_export_rows(client: httpx.AsyncClient, base: str, start: datetime) -> None:
    """One row a minute for EXPORT_MINUTES minutes (idempotent: the same slots each run)."""
    for first in range(0, EXPORT_MINUTES, 1000):
        rows = [
            {
                "campaign_name": "Minute Feed",
                "date": (start + timedelta(minutes=m)).isoformat(),
                "impressions": 100,
                "clicks": m % 5,
                "spend": 0.25,
            }
            for m in range(first, first + 1000)
        ]
        body = {"data_type": EXPORT_SOURCE, "data": rows, "batch_id": f"bench_minutes_{first}"}
        response = await client.post(f"{base}/v1/data/upload", json=body)
        response.raise_for_status()


async def _timed(request: Any) -> float:
    started = time.perf_counter()
    response = await request()
    response.raise_for_status()
    return (time.perf_counter() - started) * 1000


async def _export_rows_per_second(client: httpx.AsyncClient, url: str) -> tuple[float, int]:
    started = time.perf_counter()
    lines = 0
    async with client.stream("GET", url) as response:
        response.raise_for_status()
        async for chunk in response.aiter_text():
            lines += chunk.count("\n")
    rows = lines - 1
    return rows / (time.perf_counter() - started), rows


async def _export_peak_memory(start: datetime, buckets: int) -> int:
    """Peak Python heap while streaming an export of `buckets` buckets to nowhere."""
    from gateway.database import create_engine, session_factory
    from models.analytics import ads_sql
    from models.analytics.ads_query import prepare

    engine = create_engine(os.environ["DATABASE_URL"], pool_size=1)
    sessions = session_factory(engine)
    query = prepare(
        metrics=[{"name": "total_clicks", "data_type": EXPORT_SOURCE}],
        start=start,
        end=start + timedelta(minutes=buckets) - timedelta(seconds=1),
        granularity=60,
        limit=10_000,
    )
    tracemalloc.start()
    tracemalloc.reset_peak()
    written = 0
    async with sessions() as session:
        async for batch in ads_sql.export_batches(session, workspace_id=WORKSPACE, query=query):
            written += len(batch)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    await engine.dispose()
    assert written > 0
    return peak


async def main(rounds: int) -> None:
    token = await _token()
    ports = {"uncached": _free_port(), "cached": _free_port()}
    servers = {name: _serve(port, name == "cached") for name, port in ports.items()}
    base = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    headers = {"Authorization": f"Bearer {token}"}
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    export_start = datetime(2024, 6, 1, tzinfo=UTC)
    series = (
        "/v1/metrics/total_spend/timeseries?data_type=meta_ads&granularity=3600"
        f"&dimensions=campaign_name&start_time={(end - timedelta(days=7)).isoformat()}"
        f"&end_time={end.isoformat()}"
    ).replace("+00:00", "Z")
    export = (
        f"/v1/export/csv/total_clicks?data_type={EXPORT_SOURCE}&granularity=60"
        f"&start_time={export_start.isoformat()}"
        f"&end_time={(export_start + timedelta(minutes=EXPORT_MINUTES - 1)).isoformat()}"
    ).replace("+00:00", "Z")
    try:
        async with httpx.AsyncClient(headers=headers, timeout=60) as client:
            for url in base.values():
                await _wait(client, url)
            await _load_export_rows(client, base["uncached"], export_start)
            body = _dashboard(end)
            await client.post(f"{base['cached']}/v1/query/dashboard", json=body)  # warm
            cases = {
                "dashboard uncached": lambda: client.post(
                    f"{base['uncached']}/v1/query/dashboard", json=body
                ),
                "dashboard cached": lambda: client.post(
                    f"{base['cached']}/v1/query/dashboard", json=body
                ),
                "timeseries": lambda: client.get(base["uncached"] + series),
            }
            times: dict[str, list[float]] = {name: [] for name in [*cases, "upload"]}
            throughput: list[float] = []
            export_rows = 0
            for n in range(rounds):
                for name, request in cases.items():
                    times[name].append(await _timed(request))
                upload = _upload_body(n)
                times["upload"].append(
                    await _timed(
                        lambda upload=upload: client.post(
                            f"{base['uncached']}/v1/data/upload", json=upload
                        )
                    )
                )
                if n % 5 == 0:
                    rate, export_rows = await _export_rows_per_second(
                        client, base["uncached"] + export
                    )
                    throughput.append(rate)
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
    peaks = {b: await _export_peak_memory(export_start, b) for b in (1000, 5000, 10_000)}
    _write(times, throughput, export_rows, peaks, rounds)


def _write(
    times: dict[str, list[float]],
    throughput: list[float],
    export_rows: int,
    peaks: dict[int, int],
    rounds: int,
) -> None:
    info = machine()
    lines = [
        "## Spec 001 routes (bench/pipeline_routes.py)",
        "",
        f"Ads data at demo scale 10 (`gateway demo --scale 10 --domain ads`: 432,000 hourly "
        f"rows, ~67 campaigns per source over 90 days). {info['nproc']} x {info['cpu']}, "
        f"{info.get('memory', '')}; load average at the end {load_average()}. Real uvicorn "
        f"servers over HTTP, one request at a time, {rounds} alternating rounds per case; "
        f"Redis cache: {'yes' if os.environ.get('REDIS_URL') else 'no (in-process)'}.",
        "",
        "| case | p50 ms | p95 ms | target p95 ms | met |",
        "|---|---|---|---|---|",
    ]
    for name, values in times.items():
        p50, p95 = percentile(values, 50), percentile(values, 95)
        target = TARGETS_MS[name]
        lines.append(
            f"| {name} | {p50:.1f} | {p95:.1f} | < {target} | {'yes' if p95 < target else 'no'} |"
        )
    slowest = min(throughput)
    lines += [
        "",
        f"CSV export of {export_rows:,} buckets (`total_clicks` of minute rows, granularity 60): "
        f"{percentile(throughput, 50):,.0f} rows/s median, {slowest:,.0f} rows/s slowest of "
        f"{len(throughput)} (target >= 50,000: {'met' if slowest >= 50_000 else 'not met'}).",
        "",
        "Python heap peak while streaming an export in process (tracemalloc), by buckets: "
        + ", ".join(f"{b:,}: {peak / 1024:,.0f} KiB" for b, peak in peaks.items())
        + " (batches of 1,000 buckets: the peak does not grow with the export).",
    ]
    replace_section("pipeline_routes", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=40)
    asyncio.run(main(parser.parse_args().rounds))
    sys.exit(0)
