"""The embedded PostgreSQL (pgserver): what a newcomer gets without DATABASE_URL.

The app starts it in its data directory, migrates, serves, stops it on exit, and finds the
same data there on the next start.
"""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.settings import Settings

pytestmark = pytest.mark.slow


async def _run_once(settings: Settings, request: tuple[str, dict]) -> httpx.Response:
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
            return await client.post(request[0], json=request[1])


async def test_embedded_server_serves_and_keeps_data_across_restarts(tmp_path):
    settings = Settings(database_url=None, pgdata_dir=tmp_path / "pgdata", _env_file=None)
    upload = {
        "data_type": "users",
        "data": [{"id": "user_embedded", "created_at": "2024-02-02T00:00:00Z"}],
        "batch_id": "embedded-1",
    }
    first = await _run_once(settings, ("/v1/data/upload", upload))
    assert first.status_code == 200, first.text
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()

    query = {"query": '{ platformUser(id: "user_embedded") { id createdAt } }'}
    second = await _run_once(settings, ("/graphql", query))
    assert second.json()["data"]["platformUser"]["id"] == "user_embedded"
