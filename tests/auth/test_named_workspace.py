"""Spec 003 acts in the workspace each call names: a member of several workspaces works in
the one named, whatever token (last switched-to workspace) they hold, with their role
there; anyone else is refused."""

from __future__ import annotations

import uuid

import httpx

from gateway.database import transaction
from models.base import new_id
from models.tenancy import Workspace, WorkspaceMember
from tests.utils import accounts
from tests.utils.organic_builders import content


async def _workspace(app) -> str:  # type: ignore[no-untyped-def]
    workspace_id = new_id("ws")
    async with transaction(app.state.sessions) as session:
        session.add(Workspace(id=workspace_id, name="Brand", slug=f"b-{uuid.uuid4().hex[:10]}"))
    return workspace_id


async def test_the_named_workspace_wins_over_the_switched_one(app, upload, workspace):
    first = workspace
    await upload("content", [content(1, status="draft")])
    second, third = await _workspace(app), await _workspace(app)
    person = await accounts.member(app, first, "owner")
    async with transaction(app.state.sessions) as session:
        session.add(WorkspaceMember(workspace_id=second, account_id=person.id, role="viewer"))
    token = await accounts.token_for(app, person, second, "viewer")  # switched to the second
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as http:
        listed = await http.get("/api/content", params={"workspaceId": first})
        assert listed.status_code == 200, listed.text
        assert [c["id"] for c in listed.json()["data"]["content"]] == ["cnt_1"]
        # an owner in the first: may write there ...
        created = await http.post(
            "/api/content", json={"workspaceId": first, "type": "blog", "title": "Owner's post"}
        )
        assert created.status_code == 200, created.text
        # ... a viewer in the second: may not, whatever the token says
        refused = await http.post(
            "/api/content", json={"workspaceId": second, "type": "blog", "title": "No"}
        )
        assert refused.status_code == 403
        # routes whose documented form names no workspace: the object's, among theirs
        item = await http.get("/api/content/cnt_1")
        assert item.status_code == 200 and item.json()["data"]["content"]["id"] == "cnt_1"
        assert (await http.get("/api/content", params={"workspaceId": second})).json()["data"][
            "content"
        ] == []
        outsider = await http.get("/api/content", params={"workspaceId": third})
        assert outsider.status_code == 403
        assert outsider.json()["error"]["message"] == "Not a member of this workspace"
        hooks = await http.get("/api/webhooks", params={"workspaceId": first})
        assert hooks.status_code == 200
