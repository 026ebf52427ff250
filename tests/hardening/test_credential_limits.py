"""Credential endpoints are limited per address and per account name, whatever else the
request carries (a bearer token used to lift the per-address limit); the graph's signIn too.
Also: during a Redis outage, a REST write with an API key fails closed like one with a JWT."""

from __future__ import annotations

import uuid

from gateway.auth.keys import create_key
from gateway.database import transaction
from tests.test_rate_limits import app_with, client
from tests.utils import accounts
from tests.utils.services import private_redis


def body(email: str) -> dict[str, str]:
    return {"email": email, "password": "wrong-password"}


async def test_a_bearer_token_does_not_lift_the_per_address_limit(settings, workspace):
    # scale 0.1: 3 attempts a minute per address.
    async with app_with(settings, rate_limit_scale=0.1) as app:
        token = await accounts.owner_token(app, workspace)
        async with client(app, token) as http:
            codes = [
                (await http.post("/v1/auth/login", json=body(f"{n}@example.test"))).status_code
                for n in range(4)
            ]
    assert codes == [401, 401, 401, 429]


async def test_one_account_name_is_limited_across_addresses_and_surfaces(settings):
    # scale 0.3: 9 a minute per address, 3 per account name.
    async with app_with(settings, rate_limit_scale=0.3) as app, client(app) as http:
        target = f"target-{uuid.uuid4().hex[:6]}@example.test"
        codes = [(await http.post("/v1/auth/login", json=body(target))).status_code]
        second = await http.post("/api/auth/signin", json=body(target))
        print(second.headers, second.text)
        codes.append(second.status_code)
        spec_001 = {"username": target.upper(), "password": "wrong-password"}
        codes.append((await http.post("/v1/auth/token", json=spec_001)).status_code)
        codes.append((await http.post("/v1/auth/login", json=body(target))).status_code)
        other = await http.post("/v1/auth/login", json=body("someone-else@example.test"))
        mutation = 'mutation($e: String!) { signIn(email: $e, password: "x") { accessToken } }'
        graph = await http.post("/graphql", json={"query": mutation, "variables": {"e": target}})
    assert codes == [401, 401, 401, 429]
    assert other.status_code == 401
    assert graph.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_redis_outage_fails_rest_writes_closed_for_api_keys_too(settings, workspace):
    with private_redis() as (url, redis_server):
        async with app_with(settings, redis_url=url) as app:
            async with transaction(app.state.sessions) as session:
                key = await create_key(
                    session,
                    workspace_id=workspace,
                    name="writer",
                    scopes=["write:data", "read:analytics"],
                    ip_allowlist=[],
                    created_by=None,
                )
            token = await accounts.owner_token(app, workspace, role="member")
            upload = {"data_type": "users", "data": []}
            async with client(app, key.secret) as with_key, client(app, token) as with_token:
                assert (await with_key.post("/v1/data/upload", json=upload)).status_code == 200
                redis_server.kill()
                redis_server.wait()
                for http in (with_key, with_token):
                    response = await http.post("/v1/data/upload", json=upload)
                    assert response.status_code == 503, response.text
                    assert response.json()["error_code"] == "SERVICE_UNAVAILABLE"
                read = await with_key.get("/api/marketing/dashboard/health")
                assert read.status_code == 200, read.text
