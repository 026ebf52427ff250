"""The access audit log: every request recorded, queryable by owners, never a secret."""

from __future__ import annotations

import httpx

from tests.utils import accounts

ACCESS_LOG = """query($principal: String) {
  accessLog(first: 50, principal: $principal) {
    nodes { principal principalKind method route status client requestId }
  }
}"""


async def test_requests_are_logged_without_secrets(app, workspace):
    owner = await accounts.member(app, workspace, "owner")
    token = await accounts.token_for(app, owner, workspace, "owner")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        await http.post(
            "/graphql",
            json={"query": "query Probe { characters { totalCount } }", "operationName": "Probe"},
            headers=headers,
        )
        await http.get("/api/auth/me?token=should-not-be-stored", headers=headers)
        denied = await http.get("/api/marketing/nothing", headers=headers)
        assert denied.status_code == 404
        await app.state.audit.flush(app.state.engine)
        answer = await http.post(
            "/graphql",
            json={"query": ACCESS_LOG, "variables": {"principal": owner.id}},
            headers=headers,
        )
    entries = answer.json()["data"]["accessLog"]["nodes"]
    routes = {(e["method"], e["route"], e["status"]) for e in entries}
    assert ("POST", "/graphql:Probe", 200) in routes
    assert ("GET", "/api/auth/me", 200) in routes
    assert ("GET", "/api/marketing/nothing", 404) in routes
    assert all(e["principalKind"] == "account" and e["client"] == "127.0.0.1" for e in entries)
    assert all(e["requestId"].startswith("req_") for e in entries)
    assert token not in answer.text and "should-not-be-stored" not in answer.text


async def test_only_owners_and_admins_read_the_log(app, workspace):
    viewer = await accounts.member(app, workspace, "viewer")
    token = await accounts.token_for(app, viewer, workspace, "viewer")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        answer = await http.post(
            "/graphql", json={"query": ACCESS_LOG}, headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
