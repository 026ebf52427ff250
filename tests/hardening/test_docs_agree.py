"""Docs and behaviour agree, the stricter way: only the owner changes a workspace's
settings; exporting users (personal data) needs read:users as the graph does."""

from __future__ import annotations

import httpx

from gateway.auth.keys import create_key
from gateway.database import transaction
from tests.utils import accounts


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_only_the_owner_renames_a_workspace(app, anonymous_client, workspace):
    admin = await accounts.owner_token(app, workspace, role="admin")
    owner = await accounts.owner_token(app, workspace, role="owner")
    path = f"/api/workspaces/{workspace}"
    refused = await anonymous_client.put(path, json={"name": "Renamed"}, headers=bearer(admin))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "FORBIDDEN"
    renamed = await anonymous_client.put(path, json={"name": "Renamed"}, headers=bearer(owner))
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["data"]["workspace"]["name"] == "Renamed"


async def test_exporting_users_needs_read_users(app, sessions, workspace):
    async with transaction(sessions) as session:
        analytics_only = await create_key(
            session,
            workspace_id=workspace,
            name="analytics",
            scopes=["read:analytics"],
            ip_allowlist=[],
            created_by=None,
        )
        both = await create_key(
            session,
            workspace_id=workspace,
            name="analytics and users",
            scopes=["read:analytics", "read:users"],
            ip_allowlist=[],
            created_by=None,
        )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        refused = await client.get(
            "/api/marketing/export/users", headers=bearer(analytics_only.secret)
        )
        assert refused.status_code == 403 and "read:users" in refused.text
        allowed = await client.get("/api/marketing/export/users", headers=bearer(both.secret))
    assert allowed.status_code == 200, allowed.text
