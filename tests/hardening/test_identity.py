"""Identity hardening: no published development secret; every principal resolved to a live
account, membership and role (cached briefly, with a bound); a replayed refresh token ends
its login's access tokens too; revocations live in PostgreSQL and reach every replica."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError
from sqlalchemy import delete, event, update

from gateway.app import create_app
from gateway.auth.tokens import AUDIENCE
from gateway.database import transaction
from gateway.settings import Settings
from models.tenancy import WorkspaceMember
from tests.utils import accounts
from tests.utils.services import private_redis, redis_url

PUBLISHED = "development-only-secret-change-me-before-production"
QUERY = {"query": "{ __typename }"}


@asynccontextmanager
async def app_with(settings: Settings, **overrides: Any) -> AsyncIterator[Any]:
    overrides.setdefault("rate_limit_key_prefix", f"test-{uuid.uuid4().hex[:8]}")
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app, startup_timeout=60):
        yield app


def client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def forged(secret: str, *, sub: str, ws: str, role: str = "owner") -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "ws": ws,
        "role": role,
        "type": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 600,
        "iss": "marketing-graph-gateway",
        "aud": AUDIENCE,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_development_generates_its_secret_once_in_the_data_directory(settings, tmp_path):
    dev = {"secret_key": None, "data_dir": tmp_path / "data"}
    async with app_with(settings, **dev) as app, client(app) as http:
        published = forged(PUBLISHED, sub="usr_nobody", ws=settings.default_workspace_id)
        assert (
            await http.post("/graphql", json=QUERY, headers=bearer(published))
        ).status_code == 401
        token = await accounts.owner_token(app, settings.default_workspace_id)
        assert (await http.post("/graphql", json=QUERY, headers=bearer(token))).status_code == 200
    path = tmp_path / "data" / "secret_key"
    secret = path.read_text().strip()
    assert len(secret) >= 32 and secret != PUBLISHED
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # The next start (or a second process on the same directory) signs with the same secret.
    async with app_with(settings, **dev) as app, client(app) as http:
        assert (await http.post("/graphql", json=QUERY, headers=bearer(token))).status_code == 200


def test_no_published_or_missing_secret_is_accepted():
    with pytest.raises(ValidationError):
        Settings(secret_key=PUBLISHED, _env_file=None)  # not even in development
    with pytest.raises(ValidationError):
        Settings(environment="production", _env_file=None)


async def test_a_token_for_a_subject_or_membership_that_does_not_exist_is_refused(
    app, settings, anonymous_client, workspace
):
    secret = settings.secret_key.get_secret_value()
    ghost = forged(secret, sub="usr_does_not_exist", ws=workspace)
    response = await anonymous_client.post("/graphql", json=QUERY, headers=bearer(ghost))
    assert response.status_code == 401
    # A real account, but a workspace it is no member of.
    account = await accounts.member(app, workspace, "viewer")
    elsewhere = forged(secret, sub=account.id, ws=settings.default_workspace_id)
    response = await anonymous_client.post("/graphql", json=QUERY, headers=bearer(elsewhere))
    assert response.status_code == 401
    # The role is the membership's, not the token's claim: a viewer claiming "owner".
    claimed = forged(secret, sub=account.id, ws=workspace, role="owner")
    upload = {"data_type": "users", "data": [], "batch_id": uuid.uuid4().hex}
    response = await anonymous_client.post("/v1/data/upload", json=upload, headers=bearer(claimed))
    assert response.status_code == 403 and "write:data" in response.text


async def test_deleted_or_demoted_members_stop_within_the_documented_bound(settings, workspace):
    bound = 0.5
    async with app_with(settings, principal_cache_seconds=bound) as app, client(app) as http:
        leaving = await accounts.member(app, workspace, "member")
        demoted = await accounts.member(app, workspace, "owner")
        leaving_token = await accounts.token_for(app, leaving, workspace, "member")
        demoted_token = await accounts.token_for(app, demoted, workspace, "owner")
        upload = {"data_type": "users", "data": []}
        for token in (leaving_token, demoted_token):
            response = await http.post("/v1/data/upload", json=upload, headers=bearer(token))
            assert response.status_code == 200, response.text
        async with transaction(app.state.sessions) as session:
            await session.execute(
                delete(WorkspaceMember).where(WorkspaceMember.account_id == leaving.id)
            )
            await session.execute(
                update(WorkspaceMember)
                .where(WorkspaceMember.account_id == demoted.id)
                .values(role="viewer")
            )
        await asyncio.sleep(bound + 0.1)
        gone = await http.post("/graphql", json=QUERY, headers=bearer(leaving_token))
        assert gone.status_code == 401
        refused = await http.post("/v1/data/upload", json=upload, headers=bearer(demoted_token))
        assert refused.status_code == 403
        read = await http.post("/graphql", json=QUERY, headers=bearer(demoted_token))
        assert read.status_code == 200  # still a viewer


async def test_a_cached_api_key_needs_no_sql_per_request(app, anonymous_client, app_client):
    generated = await app_client.post(
        "/api/marketing/keys/generate", json={"name": "hot path", "permissions": ["read:analytics"]}
    )
    key = generated.json()["data"]["apiKey"]
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        first = await anonymous_client.post("/graphql", json=QUERY, headers=bearer(key))
        seen = len(statements)
        second = await anonymous_client.post("/graphql", json=QUERY, headers=bearer(key))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert first.status_code == second.status_code == 200
    assert seen >= 1 and len(statements) == seen  # the second request issued no SQL


async def test_a_replayed_refresh_token_ends_the_logins_access_tokens(anonymous_client):
    email = f"replay-{uuid.uuid4().hex[:8]}@example.test"
    registered = await anonymous_client.post(
        "/v1/auth/register", json={"email": email, "password": "a-long-password", "name": "Ida"}
    )
    tokens = registered.json()["data"]["tokens"]
    access, refresh = tokens["accessToken"], tokens["refreshToken"]
    rotated = await anonymous_client.post("/v1/auth/refresh", headers=bearer(refresh))
    assert rotated.status_code == 200
    newer = rotated.json()["access_token"]
    for token in (access, newer):
        assert (
            await anonymous_client.get("/v1/user/profile", headers=bearer(token))
        ).status_code == 200
    replay = await anonymous_client.post("/v1/auth/refresh", headers=bearer(refresh))
    assert replay.status_code == 401
    for token in (access, newer):
        response = await anonymous_client.get("/v1/user/profile", headers=bearer(token))
        assert response.status_code == 401, response.text


@pytest.mark.redis
async def test_revocations_reach_every_replica_at_once(settings, workspace):
    # A long cache: only the broker's announcement can make the second replica forget.
    shared = {"redis_url": redis_url(), "principal_cache_seconds": 60}
    async with (
        app_with(settings, **shared) as first,
        app_with(settings, **shared) as second,
        client(first) as a,
        client(second) as b,
    ):
        owner = await accounts.owner_token(first, workspace)
        made = await a.post(
            "/graphql",
            json={
                "query": 'mutation { generateApiKey(name: "k", scopes: ["read:analytics"]) '
                "{ apiKey key { id } } }"
            },
            headers=bearer(owner),
        )
        created = made.json()["data"]["generateApiKey"]
        key, key_id = created["apiKey"], created["key"]["id"]
        email = f"replicas-{uuid.uuid4().hex[:8]}@example.test"
        body = {"email": email, "password": "a-long-password", "name": "Ove"}
        access = (await a.post("/v1/auth/register", json=body)).json()["data"]["tokens"][
            "accessToken"
        ]
        for credential in (key, access):  # both replicas now cache both principals
            for http in (a, b):
                assert (
                    await http.post("/graphql", json=QUERY, headers=bearer(credential))
                ).status_code == 200
        revoked = await a.post(
            "/graphql",
            json={"query": f'mutation {{ revokeApiKey(id: "{key_id}") {{ revokedAt }} }}'},
            headers=bearer(owner),
        )
        assert revoked.json()["data"]["revokeApiKey"]["revokedAt"]
        assert (await a.post("/v1/auth/logout", json={}, headers=bearer(access))).status_code == 200

        async def refused(credential: str) -> bool:
            response = await b.post("/graphql", json=QUERY, headers=bearer(credential))
            return response.status_code == 401

        deadline = time.monotonic() + 2  # pub/sub delivery, not the 60 s cache
        while not (await refused(key) and await refused(access)):
            assert time.monotonic() < deadline, "the second replica still accepts them"
            await asyncio.sleep(0.05)


async def test_a_redis_restart_never_revives_a_signed_out_token(settings):
    with private_redis() as (url, server):
        port = url.rsplit(":", 1)[1].split("/")[0]
        async with app_with(settings, redis_url=url) as app, client(app) as http:
            email = f"restart-{uuid.uuid4().hex[:8]}@example.test"
            body = {"email": email, "password": "a-long-password", "name": "Rui"}
            access = (await http.post("/v1/auth/register", json=body)).json()["data"]["tokens"][
                "accessToken"
            ]
            assert (
                await http.post("/v1/auth/logout", json={}, headers=bearer(access))
            ).status_code == 200
        server.kill()  # Redis without persistence (as compose runs it) restarts empty
        server.wait()
        restarted = subprocess.Popen(
            [
                "redis-server",
                "--port",
                port,
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            await _until_listening(int(port))
            async with app_with(settings, redis_url=url) as app, client(app) as http:
                response = await http.post("/graphql", json=QUERY, headers=bearer(access))
            assert response.status_code == 401
        finally:
            restarted.kill()
            restarted.wait()


async def _until_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise AssertionError("redis-server did not start")
