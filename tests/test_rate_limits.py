"""Rate limits: documented budgets and headers, one budget per principal across REST and
GraphQL and across replicas (Redis), and what happens when Redis is gone."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.settings import Settings
from tests.utils import accounts
from tests.utils.services import private_redis, redis_url

QUERY = {"query": "{ characters(first: 1) { totalCount } }"}


@asynccontextmanager
async def app_with(settings: Settings, **overrides: Any) -> AsyncIterator[Any]:
    # Each app counts in its own namespace unless a test shares one on purpose.
    overrides.setdefault("rate_limit_key_prefix", f"test-{uuid.uuid4().hex[:8]}")
    # No relay or worker: they would compete for the live-updates tests' jobs.
    overrides.setdefault("relay_in_app", False)
    overrides.setdefault("worker_in_app", False)
    app = create_app(settings.model_copy(update=overrides))
    async with LifespanManager(app, startup_timeout=60):
        yield app


def client(app: Any, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    )


async def test_headers_and_429_in_each_family_format(settings, workspace):
    # scale 0.05: spec 000's standard 100/min becomes 5/min.
    async with app_with(settings, rate_limit_scale=0.05) as app:
        token = await accounts.owner_token(app, workspace)
        async with client(app, token) as http:
            statuses = []
            for _ in range(6):
                response = await http.get("/api/marketing/characters/categories")
                statuses.append(response.status_code)
            assert statuses[:5] == [200] * 5 and statuses[5] == 429
            assert response.json()["error"]["code"] == "RATE_LIMITED"
            assert int(response.headers["Retry-After"]) >= 1
            assert response.headers["X-RateLimit-Limit"] == "5"
            assert response.headers["X-RateLimit-Remaining"] == "0"
            assert response.headers["X-RateLimit-Reset"].isdigit()
            # Spec 003 writes X-RateLimit-Reset as an ISO time.
            me = await http.get("/api/auth/me")
            assert me.headers["X-RateLimit-Reset"].endswith("Z")


async def test_one_budget_for_rest_and_graphql(settings, workspace):
    async with app_with(settings, gateway_requests_per_minute=4) as app:
        token = await accounts.owner_token(app, workspace)
        async with client(app, token) as http:
            assert (await http.post("/graphql", json=QUERY)).status_code == 200
            assert (await http.get("/api/auth/me")).status_code == 200
            assert (await http.post("/graphql", json=QUERY)).status_code == 200
            assert (await http.get("/api/auth/me")).status_code == 200
            over = await http.post("/graphql", json=QUERY)
            assert over.status_code == 429
            assert over.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_anonymous_token_endpoints_are_limited_per_address(settings):
    # scale 0.1: 3 attempts a minute per address.
    async with app_with(settings, rate_limit_scale=0.1) as app, client(app) as http:
        # A new account name each time: only the per-address budget applies.
        codes = [
            (
                await http.post(
                    "/v1/auth/login", json={"email": f"no{n}@example.test", "password": "x" * 8}
                )
            ).status_code
            for n in range(4)
        ]
    assert codes == [401, 401, 401, 429]


async def test_email_open_pixels_have_their_own_budget_per_address(settings):
    # scale 0.1: 3 anonymous calls a minute per address, but 600 pixel loads (a mail
    # provider's image proxy loads every recipient's pixel from a few addresses).
    async with app_with(settings, rate_limit_scale=0.1) as app, client(app) as http:
        loads = [await http.get("/api/email/open", params={"t": f"x{n}"}) for n in range(12)]
        assert {(r.status_code, r.headers["content-type"]) for r in loads} == {(200, "image/gif")}
        assert loads[0].headers["X-RateLimit-Limit"] == "600"
        others = [(await http.get("/healthz")).status_code for _ in range(4)]
    assert others[-1] == 429


@pytest.mark.redis
async def test_two_instances_share_one_budget_through_redis(settings, workspace):
    shared = {
        "redis_url": redis_url(),
        "gateway_requests_per_minute": 4,
        "rate_limit_key_prefix": f"shared-{uuid.uuid4().hex[:8]}",
    }
    async with AsyncExitStack() as stack:
        first = await stack.enter_async_context(app_with(settings, **shared))
        second = await stack.enter_async_context(app_with(settings, **shared))
        token = await accounts.owner_token(first, workspace)
        a, b = client(first, token), client(second, token)
        async with a, b:
            codes = [
                (await (a if i % 2 else b).post("/graphql", json=QUERY)).status_code
                for i in range(5)
            ]
    assert codes == [200, 200, 200, 200, 429]


async def test_when_redis_goes_away_credentials_fail_closed_and_reads_fail_open(
    settings, workspace
):
    with private_redis() as (url, redis_server):
        overrides = {"redis_url": url, "relay_in_app": False, "worker_in_app": False}
        async with app_with(settings, **overrides) as app:
            token = await accounts.owner_token(app, workspace)
            async with client(app) as anonymous, client(app, token) as http:
                assert (await http.get("/api/marketing/characters/categories")).status_code == 200
                redis_server.kill()  # Redis goes away while the gateway runs
                redis_server.wait()
                body = {"email": f"{uuid.uuid4().hex}@example.test", "password": "x" * 8}
                login = await anonymous.post("/v1/auth/login", json=body)
                assert login.status_code == 503
                assert login.json()["error"]["code"] == "SERVICE_UNAVAILABLE"  # spec 004 path
                read = await http.get("/api/marketing/characters/categories")
                assert read.status_code == 200
            assert app.state.rate_limiter.storage_failures >= 2


async def test_spec_003_rates_each_call_by_the_named_workspace_tier(settings, workspace):
    """A member of a free and a pro workspace, holding a token of the free one, gets the pro
    limit on calls naming the pro workspace (query or body), the free one otherwise."""
    from gateway.database import transaction
    from models.base import new_id
    from models.tenancy import Workspace, WorkspaceMember

    async with app_with(settings, rate_limit_scale=1) as app:
        pro = new_id("ws")
        async with transaction(app.state.sessions) as session:
            session.add(Workspace(id=pro, name="Pro brand", slug=pro, subscription="pro"))
        person = await accounts.member(app, workspace, "owner")  # the fixture's: free
        async with transaction(app.state.sessions) as session:
            session.add(WorkspaceMember(workspace_id=pro, account_id=person.id, role="member"))
        token = await accounts.token_for(app, person, workspace, "owner")
        async with client(app, token) as http:

            async def limit_for(method: str, path: str, **kw: Any) -> str:
                response = await http.request(method, path, **kw)
                assert response.status_code < 500, response.text
                return response.headers["X-RateLimit-Limit"]

            assert await limit_for("GET", "/api/webhooks", params={"workspaceId": pro}) == "300"
            assert (
                await limit_for("GET", "/api/webhooks", params={"workspaceId": workspace}) == "60"
            )
            assert await limit_for("GET", "/api/auth/me") == "60"  # names none: the token's
            body = {"workspaceId": pro, "data": [{"email": "tier@example.test"}]}
            assert await limit_for("POST", "/api/email/leads/import", json=body) == "300"
            imported = await http.post("/api/email/leads/import", json=body)
            assert imported.json()["data"]["skipped"] == 1  # the body reached the route
            upload = await http.post(
                "/api/email/leads/import",
                data={"workspaceId": pro},
                files={"file": ("leads.csv", b"email\nform@example.test\n", "text/csv")},
            )
            assert upload.headers["X-RateLimit-Limit"] == "300"
            assert upload.json()["data"]["imported"] == 1, upload.text  # the form reached it
            # Naming a workspace one is not a member of lifts nothing.
            stranger = {"workspaceId": new_id("ws")}
            assert await limit_for("GET", "/api/webhooks", params=stranger) == "60"
