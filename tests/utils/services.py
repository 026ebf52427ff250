"""Reaching the real PostgreSQL and Redis the suite runs against.

With DATABASE_URL set (CI sets it) every run creates its own database on that server and
drops it afterwards; without it, the embedded pgserver runs in a temporary directory (never
the demo's data directory). A test that needs Redis skips without REDIS_URL, except under
CI, where an unreachable service is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from gateway.database import plain_url

IN_CI = bool(os.environ.get("CI"))


def unavailable(what: str) -> None:
    """Skip locally; fail under CI."""
    if IN_CI:
        pytest.fail(f"{what} is not reachable, and CI requires it")
    pytest.skip(f"{what} is not configured")


def with_database(url: str, database: str) -> str:
    parts = urlsplit(plain_url(url))
    return urlunsplit(parts._replace(path=f"/{database}"))


async def create_database(server_url: str) -> str:
    name = f"gateway_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@contextmanager
def database_server(tmp_dir: Path) -> Iterator[str]:
    """A PostgreSQL server URL: DATABASE_URL's server, or an embedded one in tmp_dir."""
    url = os.environ.get("DATABASE_URL")
    if url:
        yield url
        return
    if IN_CI:
        pytest.fail("CI must set DATABASE_URL")
    from gateway.database import embedded_postgres

    with embedded_postgres(tmp_dir / "pgdata") as embedded_url:
        yield embedded_url


def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        unavailable("Redis (REDIS_URL)")
    return url  # type: ignore[return-value]


@contextmanager
def private_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A throwaway redis-server on a free port, for tests that take Redis away mid-run."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("the redis-server binary")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        process.kill()
        process.wait()
