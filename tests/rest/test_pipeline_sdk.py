"""Spec 001's own SDK examples (tests/rest/pipeline_sdk/, exactly as the spec writes them)
run as legacy clients against a real uvicorn: only the base URL and the token are swapped
in. The Python one uses requests; the Node.js one the machine's node with axios, installed
from npm into pytest's cache folder on first use."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.database import transaction
from models.base import new_id
from models.tenancy import Workspace
from tests.utils import accounts, services

EXAMPLES = Path(__file__).parent / "pipeline_sdk"
SPEC_BASE_URL = "https://api.marketing-analytics.crtx.in/v1"
SPEC_TOKEN = "your_jwt_token"


@pytest.fixture(scope="module")
async def live(settings: Any) -> AsyncIterator[tuple[str, Any]]:
    """The whole app, authentication included, on 127.0.0.1 at a free port."""
    app = create_app(
        settings.model_copy(
            update={"relay_in_app": False, "worker_in_app": False, "migrate_on_start": False}
        )
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    runner = uvicorn.Server(config)
    task = asyncio.create_task(runner.serve())
    while not runner.started:
        await asyncio.sleep(0.02)
    port = runner.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", app
    runner.should_exit = True
    await task


@pytest.fixture(scope="module")
async def token(live: tuple[str, Any], sessions: Any) -> str:
    """Signed in the spec 001 way (POST /v1/auth/token), in a workspace of its own, with
    meta_ads rows in the last day (the examples ask for the last 24 hours)."""
    server, app = live
    workspace_id = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=workspace_id, name="SDK examples", slug=workspace_id))
    account = await accounts.member(app, workspace_id, "owner")
    async with httpx.AsyncClient(base_url=server) as http:
        signed_in = await http.post(
            "/v1/auth/token", json={"username": account.email, "password": accounts.PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        access = signed_in.json()["access_token"]
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
        rows = [
            {
                "campaign_name": name,
                "impressions": 1000,
                "clicks": 25,
                "spend": spend,
                "conversions": 2,
                "date": hour.isoformat(),
            }
            for name, spend in (("Harbour Lights 2024", 40.0), ("Quiet Meadow 2024", 15.5))
        ]
        uploaded = await http.post(
            "/v1/data/upload",
            json={"data_type": "meta_ads", "data": rows},
            headers={"Authorization": f"Bearer {access}"},
        )
        assert uploaded.status_code == 200, uploaded.text
    return access


@pytest.fixture
def server(live: tuple[str, Any]) -> str:
    return live[0]


def _swapped(name: str, folder: Path, base_url: str, token: str) -> Path:
    text = (EXAMPLES / name).read_text()
    assert SPEC_BASE_URL in text and SPEC_TOKEN in text
    target = folder / name
    target.write_text(text.replace(SPEC_BASE_URL, base_url).replace(SPEC_TOKEN, token))
    return target


async def _run(*command: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_python_example_runs_unchanged(server, token, tmp_path):
    script = _swapped("example.py", tmp_path, f"{server}/v1", token)
    code, out, err = await _run(sys.executable, str(script))
    assert code == 0, err
    assert re.fullmatch(r"Query completed in \d+\.\d{3}s\n", out), out


async def test_python_example_class_uploads_and_queries(server, token, tmp_path):
    """The example's class itself (imported from the unchanged file), as its users call it."""
    script = _swapped("example.py", tmp_path, f"{server}/v1", token)
    driver = tmp_path / "driver.py"
    driver.write_text(
        "import json, runpy, sys\n"
        "from datetime import datetime, timedelta\n"
        f"example = runpy.run_path({str(script)!r})\n"
        f"api = example['MarketingAnalyticsAPI']({server + '/v1'!r}, {token!r})\n"
        "now = datetime.now()\n"
        "row = {'campaign_name': 'Driftwood 2024', 'impressions': 100, 'clicks': 4,\n"
        "       'spend': 2.5, 'conversions': 1, 'date': now.isoformat()}\n"
        "up = api.upload_data('meta_ads', [row])\n"
        "metrics = [{'name': 'total_spend', 'data_type': 'meta_ads',\n"
        "            'dimensions': ['campaign_name'], 'aggregation_type': 'sum'}]\n"
        "got = api.query_dashboard(metrics, now - timedelta(days=1), now + timedelta(hours=1))\n"
        "print(json.dumps({'upload': up, 'query': got}))\n"
    )
    code, out, err = await _run(sys.executable, str(driver))
    assert code == 0, err
    answers = json.loads(out.splitlines()[-1])
    assert answers["upload"]["success"] is True
    assert answers["upload"]["data"]["status"] == "processed"
    values = {}
    for bucket in answers["query"]["data"]["total_spend"]:
        values.update(bucket["values"])
    assert values == {"Harbour Lights 2024": 40.0, "Quiet Meadow 2024": 15.5, "Driftwood 2024": 2.5}


async def _axios(request: pytest.FixtureRequest) -> Path:
    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    folder = cache.mkdir("node-sdk") if cache else request.getfixturevalue("tmp_path")
    if not (folder / "node_modules" / "axios").exists():
        npm = shutil.which("npm")
        if npm is None:
            services.unavailable("npm (to install axios for the Node.js example)")
        code, _, err = await _run(
            npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "axios@1"
        )
        if code != 0:
            services.unavailable(f"axios from npm ({err.strip()[:200]})")
    return folder / "node_modules"


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    if found is None:
        services.unavailable("node")
    return found  # type: ignore[return-value]


async def test_node_example_runs_unchanged(server, token, tmp_path, node, request):
    modules = await _axios(request)
    script = _swapped("example.js", tmp_path, f"{server}/v1", token)
    code, out, err = await _run(node, str(script), env={"NODE_PATH": str(modules)})
    assert code == 0, err
    assert re.match(r"Query completed in \d+(\.\d+)?(e-\d+)?s\n", out), out
    # node prints nested objects as [Object]: the two uploaded campaigns share one hour
    assert "Data:" in out and "total_spend" in out and "count: 2" in out, out


async def test_node_example_reads_the_error_message(server, tmp_path, node, request):
    modules = await _axios(request)
    script = _swapped("example.js", tmp_path, f"{server}/v1", "not-a-valid-token")
    code, out, err = await _run(node, str(script), env={"NODE_PATH": str(modules)})
    assert code == 0
    assert "Error: API Error: Invalid or expired token" in err, (out, err)
