"""Marketing API keys: generated as documented, shown once, scoped, IP-restricted."""

from __future__ import annotations

from sqlalchemy import select

from models.system import ApiKey

GENERATE = "/api/marketing/keys/generate"


async def test_generate_exactly_as_documented(app_client, sessions):
    body = {
        "name": "Dashboard Production",
        "permissions": ["read:analytics", "read:users"],
        "ipWhitelist": [],
    }
    response = await app_client.post(GENERATE, json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert set(payload) == {"success", "data"}
    assert set(payload["data"]) == {"apiKey", "name", "permissions", "createdAt"}
    key = payload["data"]["apiKey"]
    assert key.startswith("mk_live_") and len(key) == len("mk_live_") + 32
    assert payload["data"]["permissions"] == ["read:analytics", "read:users"]
    async with sessions() as session:
        stored = await session.scalar(select(ApiKey).where(ApiKey.prefix == key[:16]))
    assert stored is not None and key not in (stored.key_hash, stored.prefix)


async def test_a_key_authenticates_and_carries_only_its_scopes(app_client, anonymous_client):
    key = (
        await app_client.post(GENERATE, json={"name": "reader", "permissions": ["read:analytics"]})
    ).json()["data"]["apiKey"]
    headers = {"Authorization": f"Bearer {key}"}
    ok = await anonymous_client.post(
        "/graphql", json={"query": "{ adPerformance(first: 1) { totalCount } }"}, headers=headers
    )
    assert ok.status_code == 200 and "errors" not in ok.json(), ok.text
    # read:analytics does not reach characters (read:characters) or revenue (read:revenue).
    for query in ("{ characters(first: 1) { totalCount } }", "{ transactions { totalCount } }"):
        refused = await anonymous_client.post("/graphql", json={"query": query}, headers=headers)
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN", query
    # Generating keys needs an owner or admin: a key cannot mint keys.
    refused = await anonymous_client.post(
        GENERATE, json={"name": "x", "permissions": ["read:users"]}, headers=headers
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"


async def test_ip_allowlist_is_enforced(app_client, anonymous_client):
    body = {
        "name": "office only",
        "permissions": ["read:characters"],
        "ipWhitelist": ["203.0.113.0/24"],
    }
    key = (await app_client.post(GENERATE, json=body)).json()["data"]["apiKey"]
    # The test client connects from 127.0.0.1, outside the allow-list.
    response = await anonymous_client.post(
        "/graphql",
        json={"query": "{ characters { totalCount } }"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 403
    local = {"name": "local", "permissions": ["read:characters"], "ipWhitelist": ["127.0.0.1"]}
    key = (await app_client.post(GENERATE, json=local)).json()["data"]["apiKey"]
    allowed = await anonymous_client.post(
        "/graphql",
        json={"query": "{ characters { totalCount } }"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert allowed.status_code == 200


async def test_bad_requests(app_client):
    unknown = await app_client.post(
        GENERATE, json={"name": "x", "permissions": ["write:everything"]}
    )
    assert unknown.status_code == 400 and "write:everything" in unknown.json()["error"]["message"]
    bad_ip = await app_client.post(
        GENERATE, json={"name": "x", "permissions": ["read:users"], "ipWhitelist": ["999.1.1.1"]}
    )
    assert bad_ip.status_code == 400
    forged = await app_client.post(
        "/graphql",
        json={"query": "{ characters { totalCount } }"},
        headers={"Authorization": "Bearer mk_live_" + "x" * 32},
    )
    assert forged.status_code == 401
