"""Real processes: two uvicorn replicas sharing PostgreSQL and Redis; a killed worker."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gateway.bootstrap import prepare_database
from gateway.database import create_engine
from gateway.settings import Settings
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.subscriptions.test_live import until
from tests.utils import services

ROOT = Path(__file__).resolve().parents[2]
FAST = {
    "RELAY_POLL_SECONDS": "0.2",
    "WORKER_POLL_SECONDS": "0.2",
    "WORKER_HEARTBEAT_SECONDS": "0.5",
    "WORKER_STALLED_AFTER_SECONDS": "2",
    "WEBHOOK_ALLOW_LOOPBACK": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "30",
    "MIGRATE_ON_START": "false",
    "ENVIRONMENT": "development",
}


@pytest.fixture
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """A database of its own: no other test's relay or worker may take these events."""
    url = await services.create_database(server_url)
    engine = create_engine(url, pool_size=1)
    await prepare_database(engine, Settings(database_url=url, _env_file=None))
    await engine.dispose()
    yield url
    await services.drop_database(server_url, url)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**os.environ, **FAST, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _replica(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = ["-m", "uvicorn", "--factory", "tests.subscriptions.replica_app:create"]
    return _spawn(
        [*args, "--host", "127.0.0.1", "--port", str(port), "--timeout-graceful-shutdown", "3"], env
    )


async def _ready(port: int) -> None:
    # Generous: a replica imports the whole schema, which is slow on a busy 2-core machine.
    async with asyncio.timeout(120), httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)


async def _sign_up(client: httpx.AsyncClient, base: str, email: str) -> tuple[str, str]:
    """Register an account (it owns a new workspace): its access token and workspace id."""
    account = {"email": email, "password": "a-long-password", "name": "Replica Owner"}
    registered = await client.post(f"{base}/v1/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    token = registered.json()["data"]["tokens"]["accessToken"]
    me = await client.get(f"{base}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    return token, me.json()["data"]["currentWorkspace"]["id"]


UPLOAD = 'mutation($d: [JSON!]!) { uploadData(dataType: "users", data: $d) { recordsInserted } }'
EVENTS = 'subscription { events(types: ["user.registered"]) { id type data } }'


async def test_two_replicas_fan_out_and_deliver_each_webhook_once(fresh_database, receiver):
    redis_url = services.redis_url()
    env = {"DATABASE_URL": fresh_database, "REDIS_URL": redis_url}
    ports = [_free_port(), _free_port()]
    replicas = [_replica(port, env) for port in ports]
    try:
        await asyncio.gather(*(_ready(p) for p in ports))
        a = f"http://127.0.0.1:{ports[0]}"
        async with httpx.AsyncClient() as client:
            token, ws_id = await _sign_up(client, a, "replica-owner@example.test")
            client.headers["Authorization"] = f"Bearer {token}"
            registered = await client.post(
                f"{a}/api/webhooks",
                json={"workspaceId": ws_id, "url": receiver.url(), "events": ["user.registered"]},
            )
            assert registered.status_code == 200, registered.text
            # A token issued by replica a is valid on replica b (connection_init auth).
            subscriber = await transport_ws_subscribe(
                f"ws://127.0.0.1:{ports[1]}/graphql",
                EVENTS,
                connection_params={"Authorization": f"Bearer {token}"},
            )
            await asyncio.sleep(0.5)  # the subscription is registered on replica b
            users = [{"id": f"user_s{n}", "created_at": "2024-03-01T00:00:00Z"} for n in range(3)]
            uploaded = await client.post(
                f"{a}/graphql", json={"query": UPLOAD, "variables": {"d": users}}
            )
            assert uploaded.json()["data"]["uploadData"]["recordsInserted"] == 3

        received = [
            (await next_message(subscriber, 10))["payload"]["data"]["events"] for _ in users
        ]
        assert sorted(e["data"]["userId"] for e in received) == ["user_s0", "user_s1", "user_s2"]
        await until(lambda: len(receiver.requests) >= 3, timeout=10)
        await asyncio.sleep(1.0)  # time for any duplicate to arrive
        ids = [r.headers["webhook-id"] for r in receiver.requests]
        assert sorted(ids) == sorted(e["id"] for e in received)  # once per event, not per replica

        # SIGTERM: the open subscription closes with 1012 and the replica exits in its grace.
        started = time.monotonic()
        replicas[1].send_signal(signal.SIGTERM)
        await asyncio.wait_for(subscriber.wait_closed(), 5)
        assert subscriber.close_code in (1001, 1012)
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status shows it
        assert await asyncio.to_thread(replicas[1].wait, 10) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 8
    finally:
        for process in replicas:
            if process.poll() is None:
                process.kill()
                process.wait()


async def test_killed_worker_redelivers_with_the_same_event_id(fresh_database, receiver):
    engine = create_engine(fresh_database, pool_size=1)
    env = {"DATABASE_URL": fresh_database, "WORKER_IN_APP": "false", "REDIS_URL": ""}
    port = _free_port()
    app = _replica(port, env)
    worker = _spawn(["-m", "gateway.cli", "worker"], env)
    try:
        await _ready(port)
        receiver.hang = True  # the receiver takes the request and never answers
        async with httpx.AsyncClient() as client:
            base = f"http://127.0.0.1:{port}"
            token, ws_id = await _sign_up(client, base, "worker-owner@example.test")
            client.headers["Authorization"] = f"Bearer {token}"
            await client.post(
                f"{base}/api/webhooks",
                json={
                    "workspaceId": ws_id,
                    "url": receiver.url(),
                    "events": ["user.registered"],
                },
            )
            users = [{"id": "user_k1", "created_at": "2024-03-01T00:00:00Z"}]
            await client.post(f"{base}/graphql", json={"query": UPLOAD, "variables": {"d": users}})
        await until(lambda: len(receiver.requests) == 1, timeout=15)
        worker.kill()  # mid-delivery
        worker.wait()
        receiver.hang = False
        worker = _spawn(["-m", "gateway.cli", "worker"], env)
        await until(lambda: len(receiver.requests) == 2, timeout=20)
        first, second = receiver.requests
        assert first.headers["webhook-id"] == second.headers["webhook-id"]
        assert json.loads(second.body)["data"]["userId"] == "user_k1"
        for _ in range(50):
            async with engine.connect() as connection:
                status = await connection.scalar(text("SELECT status FROM webhook_deliveries"))
            if status == "delivered":
                break
            await asyncio.sleep(0.1)
        assert status == "delivered"
    finally:
        for process in (app, worker):
            if process.poll() is None:
                process.kill()
                process.wait()
        await engine.dispose()
