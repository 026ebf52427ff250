"""Time every GET of spec 003 (/api) on the organic demo at a scale, uncached, plus
attribution over 90 days of touchpoints (every model) and a 10,000-row lead import.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/organic_routes.py --scale 10 [--reuse DBNAME] [--keep]

Creates `gateway_bench_organic_<random>` on DATABASE_URL's server (or measures DBNAME,
loaded earlier), migrates it and loads `gateway demo --domain organic` at the scale; counts
the SQL statements one request of each route issues (in process, over httpx's ASGI
transport); then serves the app with uvicorn on 127.0.0.1 (ANALYTICS_CACHE=false, no
in-app worker, rate limits off) and times --requests sequential requests per route from
this process, the routes taken in turn round after round so the machine's other load falls
on all of them alike. Writes the `organic_routes` section of docs/benchmarks.md and drops
the scratch database (unless --keep or --reuse).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from load_and_query import load_average, percentile
from route_bench import (
    prepare,
    scratch_database,
    section_head,
    served,
    timings,
    token_and_statements,
)
from sections import replace_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WS = "ws_default"
TARGET_GET_MS, TARGET_ATTRIBUTION_MS, TARGET_IMPORT_S = 100.0, 200.0, 2.0
FOR_SCALE = {"analytics/funnel 365d"}  # no target: the default funnel is 30 days


def routes(today: str, ninety: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, path, query) of every GET of spec 003, with the documented defaults."""
    w = {"workspaceId": WS}
    return [
        ("dashboard/overview", "/api/dashboard/overview", w),
        ("dashboard/metrics", "/api/dashboard/metrics", {**w, "metrics[]": ["revenue", "traffic"]}),
        ("dashboard/activity", "/api/dashboard/activity", w),
        ("content", "/api/content", w),
        ("content/{id}", "/api/content/cnt_00001", {}),
        ("content/calendar", "/api/content/calendar", w),
        ("content/generate/{id}", "/api/content/generate/job_00001", {}),
        ("email/campaigns", "/api/email/campaigns", w),
        ("email/sequences", "/api/email/sequences", w),
        ("email/leads", "/api/email/leads", w),
        ("email/leads?search", "/api/email/leads", {**w, "search": "smith", "tags[]": "vip"}),
        ("analytics/channels", "/api/analytics/channels", w),
        ("analytics/funnel", "/api/analytics/funnel", w),
        ("analytics/funnel 365d", "/api/analytics/funnel", {**w, "startDate": _ago(today, 364)}),
        ("analytics/attribution", "/api/analytics/attribution", w),
        *(
            (
                f"attribution 90d {m}",
                "/api/analytics/attribution",
                {**w, "model": m, "startDate": ninety, "endDate": today},
            )
            for m in ("first", "last", "linear", "time-decay")
        ),
        ("analytics/export/{id}", "/api/analytics/export/exp_001", {}),
        ("integrations", "/api/integrations", w),
        ("webhooks", "/api/webhooks", w),
    ]


def _ago(today: str, days: int) -> str:
    return (datetime.fromisoformat(today) - timedelta(days=days)).date().isoformat()


async def sign_in(http: httpx.AsyncClient, access: Any) -> str:
    """Spec 003's sign-in."""
    body = {"email": access.email, "password": access.password}
    return (await http.post("/api/auth/signin", json=body)).json()["data"]["token"]


async def lead_import(base: str, token: str, rows: int, runs: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    seconds = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as http:
        for run in range(runs):
            batch = uuid.uuid4().hex[:8]
            data = [
                {
                    "email": f"bench-{batch}-{n}@example.test",
                    "name": f"Reader {n}",
                    "company": f"Firm {n % 97}",
                }
                for n in range(rows)
            ]
            body = {
                "workspaceId": WS,
                "source": "bench",
                "tags": ["bench"],
                "data": data,
                "mapping": {"customFields": {"company": "company"}},
            }
            started = time.perf_counter()
            answer = await http.post("/api/email/leads/import", json=body)
            seconds.append(time.perf_counter() - started)
            assert answer.json()["data"]["imported"] == rows, answer.text[:300]
            del run
    return seconds


async def counts_of(url: str) -> dict[str, int]:
    import asyncpg

    from gateway.database import plain_url

    connection = await asyncpg.connect(plain_url(url))
    try:
        tables = ("content_items", "leads", "touchpoints", "channel_daily_metrics", "activities")
        return {t: await connection.fetchval(f"SELECT count(*) FROM {t}") for t in tables}
    finally:
        await connection.close()


def write(
    scale: float,
    rows: dict[str, int],
    results: dict[str, list[float]],
    statements: dict[str, int],
    imports: list[float],
    load: str,
) -> str:
    dataset = (
        f"Demo scale {scale:g} of the organic domain only ("
        + ", ".join(f"{k} {v:,}" for k, v in rows.items())
        + ")"
    )
    lines = section_head("## Spec 003 routes (bench/organic_routes.py)", dataset, load)
    for name, values in results.items():
        target = TARGET_ATTRIBUTION_MS if name.startswith("attribution 90d") else TARGET_GET_MS
        p95 = percentile(values, 95)
        mark = "met" if p95 < target else "**missed**"
        goal = f"< {target:g} ms: {mark}"
        if name in FOR_SCALE:
            goal = "none (a whole year, shown for scale)"
        lines.append(
            f"| {name} | {percentile(values, 50):.1f} | {p95:.1f} | {statements[name]} | {goal} |"
        )
    lines += [
        "",
        "10,000-row lead import (POST /api/email/leads/import, JSON body, every row new): "
        + ", ".join(f"{s:.2f} s" for s in imports)
        + f" over {len(imports)} runs (target < {TARGET_IMPORT_S:g} s: "
        + ("met" if max(imports) < TARGET_IMPORT_S else "**missed**")
        + ").",
    ]
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    server_url = os.environ["DATABASE_URL"]
    database = scratch_database(server_url, "gateway_bench_organic", args.reuse, args.keep)
    async with database as (url, created):
        if created:
            await prepare(url, args.scale, "organic")
        today = datetime.now(UTC).date()
        gets = routes(today.isoformat(), (today - timedelta(days=89)).isoformat())
        token, statements = await token_and_statements(url, gets, sign_in)
        with served(url) as base:
            results = await timings(base, token, gets, args.requests)
            imports = await lead_import(base, token, 10_000, args.imports)
            text_ = write(
                args.scale, await counts_of(url), results, statements, imports, load_average()
            )
            print(text_)
            if not args.no_write:
                replace_section("organic_routes", text_)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--imports", type=int, default=3)
    parser.add_argument("--reuse", help="a database loaded earlier at --scale")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs")
    asyncio.run(main(parser.parse_args()))
