"""`gateway serve` stops the embedded PostgreSQL it started on SIGTERM as on SIGINT, and a
start that adopts a server some killed process left running stops that one on exit too.
Real processes: the gateway command, and pgserver's PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postmaster(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    pid = int(pid_file.read_text().split()[0])
    return pid if psutil.pid_exists(pid) else None


def _serve(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
    }
    env |= {"PGDATA_DIR": str(tmp / "pgdata"), "DATA_DIR": str(tmp), "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180  # initdb and imports take a while on a busy machine
    while time.monotonic() < deadline:
        assert process.poll() is None, "gateway serve exited early"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process, port
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise AssertionError("gateway serve did not come up")


def _stops_with(process: subprocess.Popen[bytes], signum: int, pgdata: Path) -> None:
    postmaster = _postmaster(pgdata)
    assert postmaster is not None, "the embedded PostgreSQL is not running"
    process.send_signal(signum)
    process.wait(60)
    deadline = time.monotonic() + 20
    while psutil.pid_exists(postmaster) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(postmaster), f"PostgreSQL left running after signal {signum}"


def test_every_exit_stops_the_embedded_postgresql_and_an_adopted_orphan(tmp_path):
    pgdata = tmp_path / "pgdata"
    process, _ = _serve(tmp_path)
    _stops_with(process, signal.SIGTERM, pgdata)
    # An orphan: a process starts the server and is killed before it can stop it.
    orphan_maker = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, pgserver; "
            f"pgserver.get_server({str(pgdata)!r}, cleanup_mode='stop'); "
            "os.kill(os.getpid(), signal.SIGKILL)",
        ],
        cwd=ROOT,
        check=False,
    )
    assert orphan_maker.returncode == -signal.SIGKILL
    orphan = _postmaster(pgdata)
    assert orphan is not None
    process, _ = _serve(tmp_path)
    assert _postmaster(pgdata) == orphan  # adopted, not started anew
    _stops_with(process, signal.SIGINT, pgdata)
