"""`gateway serve --workers N`: several processes behind one port, and only with Redis."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _serve(args: list[str], env: dict[str, str], *, capture: bool) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", *args],
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_more_than_one_worker_needs_redis(database_url):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = database_url
    process = _serve(["--workers", "2"], env, capture=True)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    said = " ".join(re.sub("[│╭╮╰╯─]", " ", out).split())  # rich's error box, unwrapped
    assert "2 workers need REDIS_URL" in said and "rate-limit counters" in said


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _workers(pid: int) -> list[int]:
    """Children running multiprocessing's spawn entry point (not its resource tracker)."""
    return [
        child
        for child in _children(pid)
        if "spawn_main" in Path(f"/proc/{child}/cmdline").read_text(errors="ignore")
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.redis
def test_two_workers_answer_on_one_port(database_url, engine):  # engine: migrated already
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("needs REDIS_URL")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RELAY_IN_APP": "false",
        "WORKER_IN_APP": "false",
    }
    process = _serve(["--workers", "2", "--port", str(port)], env, capture=False)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail("the server did not answer")
        # uvicorn's supervisor (this CLI process) spawns the workers as its children.
        deadline = time.monotonic() + 30
        while len(_workers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert len(_workers(process.pid)) == 2
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json() == {"status": "ok"}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
