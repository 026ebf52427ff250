"""What the family route benchmarks share (bench/organic_routes.py, social_routes.py,
coaching_routes.py): settings with nothing cached and no limits, loading one domain of the
demo, an owner's token with the statements each route issues (counted in process), a
uvicorn server to time, and the alternating timing rounds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
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
