"""Servers a side-by-side benchmark starts on 127.0.0.1, and autocannon runs against them.

Every server is a subprocess on its own port; `Fleet` starts them, waits until each answers
and stops them (by the process id it started) when the block ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
NPM_DIR = Path(os.environ.get("BENCH_NPM_DIR", "/tmp/gateway-bench-npm"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path = ROOT
    port: int = field(default_factory=free_port)
    ready_path: str = "/healthz"
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def gateway(
    name: str, database_url: str, *, code: Path = ROOT, workers: int = 1, **settings: str
) -> Server:
    """The gateway as deployed (production settings), from `code` (a checkout of any commit:
    `git archive <commit> | tar -x -C dir` measures an older one side by side)."""
    env = {
        "DATABASE_URL": database_url,
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "MIGRATE_ON_START": "false",
        "RELAY_IN_APP": "false",
        "WORKER_IN_APP": "false",
        "RATE_LIMIT_SCALE": "0",  # the load generator is one client on one key
        # one process: in-process broker and caches (several workers need Redis)
        "REDIS_URL": os.environ.get("REDIS_URL", "") if workers > 1 else "",
        "PYTHONPATH": str(code),
        **{key.upper(): value for key, value in settings.items()},
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "gateway.app:create_app",
               "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log",
               "--workers", str(workers)]  # fmt: skip
    return Server(name, command, env, cwd=code)


def postgraphile(name: str, database_url: str) -> Server:
    """PostGraphile 4 from npm (`npm install --prefix $BENCH_NPM_DIR postgraphile@4`)."""
    binary = NPM_DIR / "node_modules" / ".bin" / "postgraphile"
    if not binary.exists():
        raise SystemExit(f"PostGraphile not found at {binary}: see bench/README.md")
    command = [str(binary), "-c", database_url, "--host", "127.0.0.1", "--disable-query-log",
               "--schema", "public"]  # fmt: skip
    return Server(name, command, ready_path="/graphql")


def python_app(name: str, module: str, env: dict[str, str]) -> Server:
    """A small ASGI app of bench/ (e.g. bench/bare_app.py) under uvicorn."""
    command = [sys.executable, "-m", "uvicorn", "--factory", f"{module}:create_app",
               "--host", "127.0.0.1", "--log-level", "warning", "--no-access-log"]  # fmt: skip
    return Server(name, command, {"PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}", **env})


@contextlib.contextmanager
def fleet(servers: list[Server]) -> Iterator[list[Server]]:
    try:
        for server in servers:
            is_node = "postgraphile" in server.command[0]
            port_args = ["--port", str(server.port)]
            server.process = subprocess.Popen(
                server.command + port_args,
                env={**os.environ, **server.env},
                cwd=server.cwd,
                stdout=subprocess.DEVNULL if is_node else None,
            )
        for server in servers:
            _wait_ready(server)
        yield servers
    finally:
        for server in servers:
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in servers:
            if server.process is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.process.wait(timeout=20)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited with {server.process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.url + server.ready_path, timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise SystemExit(f"{server.name} did not start")


@dataclass
class Load:
    rps: float
    p50: float
    p99: float
    errors: int


def autocannon(
    url: str, *, body: bytes | None, headers: dict[str, str], connections: int, seconds: int
) -> Load:
    """One autocannon run (from the npm folder); its JSON summary."""
    binary = NPM_DIR / "node_modules" / ".bin" / "autocannon"
    if not binary.exists() or shutil.which("node") is None:
        raise SystemExit(f"autocannon not found at {binary}: see bench/README.md")
    command = [str(binary), "-j", "-c", str(connections), "-d", str(seconds)]
    for key, value in headers.items():
        command += ["-H", f"{key}={value}"]
    if body is not None:
        command += ["-m", "POST", "-b", body.decode()]
    out = subprocess.run([*command, url], capture_output=True, check=True).stdout
    summary = json.loads(out)
    return Load(
        rps=summary["requests"]["average"],
        p50=summary["latency"]["p50"],
        p99=summary["latency"]["p99"],
        errors=summary["errors"] + summary["timeouts"] + summary["non2xx"],
    )
