"""graphql-http's own server audit (the GraphQL-over-HTTP spec's compliance suite), run by
node against the gateway on 127.0.0.1: every audit passes, none warns.

`npm ci --prefix tests/graphql_http` installs it (.ci/run does). Without node or the
package the test skips locally and fails under CI."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.utils import accounts

HERE = Path(__file__).parent


def _node_or_skip() -> str:
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "node is not installed"
    elif not (HERE / "node_modules" / "graphql-http").is_dir():
        problem = "graphql-http is not installed: npm ci --prefix tests/graphql_http"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return node


async def test_graphql_http_audit_passes_without_warnings(live_http_server, workspace):
    node = _node_or_skip()
    app = live_http_server.app
    token = await accounts.owner_token(app, workspace)
    process = await asyncio.create_subprocess_exec(
        node,
        str(HERE / "audit.mjs"),
        live_http_server.http("/graphql"),
        cwd=HERE,
        env={**os.environ, "GATEWAY_TOKEN": token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    results = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
    assert len(results) >= 50
    failing = [r for r in results if r["status"] != "ok"]  # warn, error, or notice (MAY)
    assert failing == [], "\n".join(f"{r['status']} {r['name']}: {r['reason']}" for r in failing)
