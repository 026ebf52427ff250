"""The embedded PostgreSQL (pgserver): what a newcomer gets without DATABASE_URL.

The app starts it in its data directory, migrates, serves, stops it on exit, and finds the
same data there on the next start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.settings import Settings

pytestmark = pytest.mark.slow


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    # initdb and the first start take a while on a busy machine.
    async with LifespanManager(app, startup_timeout=180, shutdown_timeout=60):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://local") as client:
            yield client


async def test_embedded_server_serves_and_keeps_data_across_restarts(tmp_path):
    settings = Settings(
        database_url=None,
        redis_url=None,
        pgdata_dir=tmp_path / "pgdata",
        data_dir=tmp_path,
        relay_in_app=False,
        worker_in_app=False,
        _env_file=None,
    )
    account = {"email": "ada@example.test", "password": "a-long-password", "name": "Ada"}
    async with running(settings) as client:
        registered = await client.post("/v1/auth/register", json=account)
        assert registered.status_code == 201, registered.text
        token = registered.json()["data"]["tokens"]["accessToken"]
        upload = {
            "data_type": "users",
            "data": [{"id": "user_embedded", "created_at": "2024-02-02T00:00:00Z"}],
            "batch_id": "embedded-1",
        }
        stored = await client.post(
            "/v1/data/upload", json=upload, headers={"Authorization": f"Bearer {token}"}
        )
        assert stored.status_code == 200, stored.text
    assert (tmp_path / "pgdata" / "PG_VERSION").exists()

    async with running(settings) as client:
        login = await client.post("/v1/auth/login", json=account)
        token = login.json()["data"]["tokens"]["accessToken"]
        query = {"query": '{ platformUser(id: "user_embedded") { id } }'}
        found = await client.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {token}"}
        )
    assert found.json()["data"]["platformUser"] == {"id": "user_embedded"}
