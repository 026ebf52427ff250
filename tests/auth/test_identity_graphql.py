"""Identity in the graph: the legacy token operations as mutations, API keys, and the
anonymous gate (only the sign-in mutations run without credentials)."""

from __future__ import annotations

import uuid

PAYLOAD = "accessToken refreshToken expiresIn accountId workspaceId role"


async def gql(client, query, variables=None, token=None):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def register(client):  # type: ignore[no-untyped-def]
    email = f"gql-{uuid.uuid4().hex[:10]}@example.test"
    response = await gql(
        client,
        "mutation($e: String!) "
        f'{{ register(email: $e, password: "a-long-password", name: "Nia") {{ {PAYLOAD} }} }}',
        {"e": email},
    )
    assert response.status_code == 200, response.text
    return email, response.json()["data"]["register"]


async def test_sign_in_refresh_and_sign_out(anonymous_client):
    email, registered = await register(anonymous_client)
    assert registered["role"] == "owner" and registered["expiresIn"] == 900
    signed = await gql(
        anonymous_client,
        f'mutation {{ signIn(email: "{email}", password: "a-long-password") {{ {PAYLOAD} }} }}',
    )
    pair = signed.json()["data"]["signIn"]
    assert pair["workspaceId"] == registered["workspaceId"]
    refreshed = await gql(
        anonymous_client,
        f"mutation($t: String!) {{ refreshToken(refreshToken: $t) {{ {PAYLOAD} }} }}",
        {"t": pair["refreshToken"]},
    )
    assert refreshed.json()["data"]["refreshToken"]["accessToken"]
    replay = await gql(
        anonymous_client,
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        {"t": pair["refreshToken"]},
    )
    assert replay.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    wrong = await gql(
        anonymous_client,
        f'mutation {{ signIn(email: "{email}", password: "nope-nope") {{ accessToken }} }}',
    )
    assert wrong.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # The replay revoked the login: its access tokens stop working too.
    replayed = await gql(
        anonymous_client, "{ characters { totalCount } }", token=pair["accessToken"]
    )
    assert replayed.status_code == 401
    again = await gql(
        anonymous_client,
        f'mutation {{ signIn(email: "{email}", password: "a-long-password") {{ {PAYLOAD} }} }}',
    )
    token = again.json()["data"]["signIn"]["accessToken"]
    out = await gql(anonymous_client, "mutation { signOut }", token=token)
    assert out.json()["data"] == {"signOut": True}
    after = await gql(anonymous_client, "{ characters { totalCount } }", token=token)
    assert after.status_code == 401


async def test_anonymous_callers_may_only_sign_in(anonymous_client):
    for query in (
        "{ characters { totalCount } }",
        'mutation { uploadData(dataType: "users", data: []) { batchId } }',
        'mutation { signIn(email: "a@example.test", password: "x") { accessToken } '
        'uploadData(dataType: "users", data: []) { batchId } }',
        "{ not even valid",
    ):
        response = await gql(anonymous_client, query)
        assert response.status_code == 401, (query, response.text)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_api_keys_in_the_graph(anonymous_client):
    _, owner = await register(anonymous_client)
    token = owner["accessToken"]
    created = await gql(
        anonymous_client,
        'mutation { generateApiKey(name: "reporting", scopes: ["read:analytics"], '
        'ipAllowlist: ["10.0.0.0/8"]) '
        "{ apiKey key { id prefix scopes ipAllowlist } } }",
        token=token,
    )
    new = created.json()["data"]["generateApiKey"]
    assert new["apiKey"].startswith(new["key"]["prefix"]) and new["key"]["ipAllowlist"] == [
        "10.0.0.0/8"
    ]
    listed = await gql(anonymous_client, "{ apiKeys { id name scopes revokedAt } }", token=token)
    assert listed.json()["data"]["apiKeys"] == [
        {
            "id": new["key"]["id"],
            "name": "reporting",
            "scopes": ["read:analytics"],
            "revokedAt": None,
        }
    ]
    assert new["apiKey"] not in listed.text
    revoked = await gql(
        anonymous_client,
        "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
        {"id": new["key"]["id"]},
        token=token,
    )
    assert revoked.json()["data"]["revokeApiKey"]["revokedAt"] is not None
    beyond = await gql(
        anonymous_client,
        'mutation { generateApiKey(name: "x", scopes: ["write:everything"]) { apiKey } }',
        token=token,
    )
    assert beyond.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_switch_workspace(anonymous_client):
    _, owner = await register(anonymous_client)
    token = owner["accessToken"]
    slug = f"second-{uuid.uuid4().hex[:6]}"
    created = await anonymous_client.post(
        "/api/workspaces",
        json={"name": "Second", "slug": slug},
        headers={"Authorization": f"Bearer {token}"},
    )
    second = created.json()["data"]["workspace"]["id"]
    switched = await gql(
        anonymous_client,
        f'mutation {{ switchWorkspace(workspaceId: "{second}") {{ {PAYLOAD} }} }}',
        token=token,
    )
    assert switched.json()["data"]["switchWorkspace"]["workspaceId"] == second
    foreign = await gql(
        anonymous_client,
        'mutation { switchWorkspace(workspaceId: "ws_default") { role } }',
        token=token,
    )
    assert foreign.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
