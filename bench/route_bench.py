"""What the family route benchmarks share (bench/organic_routes.py, social_routes.py,
coaching_routes.py): a scratch database, settings with nothing cached and no limits,
loading one domain of the demo, an owner's token with the statements each route issues
(counted in process), a uvicorn server to time, the alternating timing rounds, and the
head of the section they write."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from load_and_query import _free_port as free_port
from load_and_query import _with_database as with_database
from load_and_query import machine
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
Route = tuple[str, str, dict[str, Any]]  # (name, path, query)
SignIn = Callable[[httpx.AsyncClient, Any], Awaitable[str]]  # (client, demo access) -> token


def quiet_settings(url: str, **kw: Any) -> Any:
    """Nothing cached, no worker or relay in the app, no rate limits."""
    from gateway.settings import Settings

    return Settings(
        database_url=url,
        analytics_cache=False,
        worker_in_app=False,
        relay_in_app=False,
        rate_limit_scale=0,
        _env_file=None,
        **kw,
    )


async def prepare(url: str, scale: float, domain: str) -> None:
    """Migrate the database and load one domain of the demo at `scale`."""
    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine
    from gateway.demo import load_demo

    settings = quiet_settings(url)
    engine = create_engine(url, pool_size=2)
    try:
        await prepare_database(engine, settings)
    finally:
        await engine.dispose()
    await load_demo(settings, scale=scale, domains=(domain,))


async def token_and_statements(
    url: str, gets: list[Route], sign_in: SignIn
) -> tuple[str, dict[str, int]]:
    """The demo owner's token (from the family's own sign-in), and the statements one
    request of each route issues."""
    from asgi_lifespan import LifespanManager

    from gateway.app import create_app
    from gateway.auth.demo_access import ensure_demo_access

    settings = quiet_settings(url)
    app = create_app(settings)
    counts: dict[str, int] = {}
    async with LifespanManager(app, startup_timeout=120):
        access = await ensure_demo_access(settings, app.state.sessions)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            token = await sign_in(http, access)
            seen = [0]

            def count(*_: Any) -> None:
                seen[0] += 1

            event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
            for name, path, query in gets:
                seen[0] = 0
                answer = await http.get(
                    path, params=query, headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status_code == 200, (name, answer.text)
                counts[name] = seen[0]
    return token, counts


def serve(url: str, port: int) -> subprocess.Popen:
    """One uvicorn process on 127.0.0.1:`port`, configured as quiet_settings."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ANALYTICS_CACHE": "false",
        "WORKER_IN_APP": "false",
        "RELAY_IN_APP": "false",
        "RATE_LIMIT_SCALE": "0",
        "MIGRATE_ON_START": "false",
        "REDIS_URL": "",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "gateway.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, cwd=ROOT)


async def timings(
    base: str, token: str, gets: list[Route], requests: int
) -> dict[str, list[float]]:
    """Milliseconds per request, every route in turn per round (so load falls on all of
    them alike), after two warm-up rounds."""
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, list[float]] = {name: [] for name, _, _ in gets}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        for _ in range(2):  # warm-up: connections, plan caches
            for _, path, query in gets:
                await http.get(path, params=query)
        for _ in range(requests):
            for name, path, query in gets:
                started = time.perf_counter()
                answer = await http.get(path, params=query)
                out[name].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (name, answer.text)
    return out


@contextlib.asynccontextmanager
async def scratch_database(
    server_url: str, prefix: str, reuse: str | None, keep: bool
) -> AsyncIterator[tuple[str, bool]]:
    """(url, created): a new database `<prefix>_<random>` on the server of `server_url`,
    dropped afterwards unless `keep`; or `reuse`, loaded earlier, left as it is."""
    import asyncpg

    from gateway.database import plain_url

    name = reuse or f"{prefix}_{uuid.uuid4().hex[:8]}"
    created = not reuse
    if created:
        admin = await asyncpg.connect(plain_url(server_url))
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
    try:
        yield with_database(server_url, name), created
    finally:
        if created and not keep:
            admin = await asyncpg.connect(plain_url(server_url))
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


@contextlib.contextmanager
def served(url: str) -> Iterator[str]:
    """`serve` on a free port, once it answers /healthz: its base URL; stopped afterwards."""
    port = free_port()
    server = serve(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def section_head(title: str, dataset: str, load: str, token: str = "") -> list[str]:
    """A route section's heading, dataset and machine, method and table header; `token`
    says which credential the client sends, when that matters."""
    m = machine()
    return [
        title,
        "",
        f"{dataset}; {datetime.now(UTC):%Y-%m-%d}; {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory']}, Python {m['python']}; load average during the run {load} "
        "(the machine is shared).",
        "",
        "Method: one uvicorn process, ANALYTICS_CACHE=false (nothing cached), no in-app "
        "worker or relay, rate limits off; sequential requests over keep-alive from a client "
        f"process{token}, every route in turn per round after two warm-up rounds; statements "
        "= SQL statements one request issues (counted in process).",
        "",
        "| route | p50 ms | p95 ms | statements | target |",
        "|---|---:|---:|---:|---|",
    ]
