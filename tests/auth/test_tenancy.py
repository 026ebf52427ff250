"""No workspace ever sees another's data: an id from workspace B, probed by an owner of
workspace A, answers exactly like an id that does not exist, on every route and query."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from starlette.routing import Route

from gateway.database import transaction
from gateway.files import open_writer
from models.base import new_id
from models.system import Webhook
from models.tenancy import Workspace
from tests.utils import accounts
from tests.utils import coaching as hub
from tests.utils.builders import World
from tests.utils.organic_builders import content
from tests.utils.social_builders import account as social_account
from tests.utils.social_builders import post as social_post

# Path parameters that name something the same in every workspace, not a tenant's row:
# spec 001's metric names (models/analytics/ads_registry.py) answer 422 when unknown.
NOT_TENANT_IDS = {"metric_name", "channel_type"}

# Routes that refuse a request of the wrong form (here: not multipart) before looking
# anything up: a foreign id and a missing one still answer alike.
FORM_FIRST = {
    ("POST", "/api/v1/knowledge-bases/{knowledge_base_id}/documents"): 422,
    # The web widget's endpoints check the message, then the visitor token, before the channel.
    ("POST", "/webhooks/web/{channel_id}"): 422,
    ("GET", "/webhooks/web/{channel_id}/messages"): 401,
}

CALLER = "<the caller's workspace>"
BODIES = {
    "/api/workspaces/{workspace_id}": {"name": "Taken over"},
    "/api/workspaces/{workspace_id}/invite": {"email": "intruder@example.test", "role": "admin"},
    "/api/content/{content_id}": {"title": "Taken over"},
    **{
        f"/api/integrations/{{integration_id}}/{action}": {"workspaceId": CALLER}
        for action in ("connect", "disconnect", "sync", "test")
    },
}


async def _spec_003_ids(upload) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One id of each spec 003 kind in the test's workspace (B)."""
    await upload("content", [content(1)])
    await upload(
        "generation_jobs",
        [
            {
                "id": "job_b1",
                "platform": "tiktok",
                "product": "Deck",
                "content_type": "demo",
                "created_at": "2024-03-01T10:00:00Z",
            }
        ],
    )
    await upload(
        "analytics_exports",
        [
            {
                "id": "exp_b1",
                "data": "funnel",
                "start_date": "2024-03-01",
                "end_date": "2024-03-02",
                "created_at": "2024-03-03T10:00:00Z",
            }
        ],
    )
    # Not a catalog id (int_tiktok ... exist for every workspace): a custom one of B's.
    await upload("integrations", [{"id": "int_b_crm", "name": "B's CRM", "provider": "b_crm"}])
    return {
        "content_id": "cnt_1",
        "job_id": "job_b1",
        "export_id": "exp_b1",
        "integration_id": "int_b_crm",
    }


async def _other_workspace(app) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    workspace_id = new_id("ws")
    async with transaction(app.state.sessions) as session:
        session.add(
            Workspace(id=workspace_id, name="Elsewhere", slug=f"elsewhere-{uuid.uuid4().hex[:8]}")
        )
    return workspace_id, await accounts.owner_token(app, workspace_id)


async def _spec_002_ids(upload) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One id of each spec 002 kind in the test's workspace (B)."""
    await upload("knowledge_bases", [hub.knowledge_base(1)])
    await upload("kb_documents", [hub.document(1, kb=1, size=100)])
    await upload("programs", [hub.program(1)])
    await upload("end_users", [hub.end_user(1)])
    await upload("channels", [hub.channel(1)])
    return {
        "knowledge_base_id": hub.uid("kb", 1),
        "document_id": hub.uid("doc", 1),
        "program_id": hub.uid("program", 1),
        "user_id": hub.uid("user", 1),
        "channel_id": hub.uid("channel", 1),
    }


async def _spec_004_post(upload) -> str:  # type: ignore[no-untyped-def]
    await upload("posts", [social_post(1)])
    await upload("social_accounts", [social_account(1)])
    return "post_1"


async def test_every_id_route_answers_not_found_for_another_workspaces_ids(app, workspace, upload):
    await World(users=3, creators=1, characters=2).build().load(upload)
    webhook_id = new_id("wh")
    async with transaction(app.state.sessions) as session:
        session.add(
            Webhook(
                id=webhook_id,
                workspace_id=workspace,
                url="https://hooks.example.test/x",
                events=["lead.created"],
                secret="s" * 16,
            )
        )
    async with transaction(app.state.sessions) as session:
        writer = await open_writer(
            session,
            workspace_id=workspace,
            purpose="test_export",
            filename="b.csv",
            media_type="text/csv",
            expires_at=datetime.now(UTC) + timedelta(hours=1),
        )
        await writer.write(b"a,b\n")
        stored = await writer.close()
    ids_in_b = {
        "workspace_id": workspace,
        "webhook_id": webhook_id,
        "file_id": stored.id,
        "post_id": await _spec_004_post(upload),
        "account_id": "social_1",
        **await _spec_003_ids(upload),
        **await _spec_002_ids(upload),
    }
    workspace_a, token_a = await _other_workspace(app)
    headers = {"Authorization": f"Bearer {token_a}"}
    probed = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        for route in app.routes:
            if not isinstance(route, Route) or "{" not in route.path:
                continue
            names = re.findall(r"\{(\w+)\}", route.path)
            if set(names) & NOT_TENANT_IDS:
                continue
            assert set(names) <= set(ids_in_b), f"add an id of workspace B for {route.path}"
            path = route.path
            for name in names:
                path = path.replace(f"{{{name}}}", ids_in_b[name])
            unknown = route.path
            for name in names:
                unknown = unknown.replace(f"{{{name}}}", f"{name}_does_not_exist")
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                body = {
                    k: workspace_a if v == CALLER else v
                    for k, v in BODIES.get(route.path, {}).items()
                }
                foreign = await http.request(method, path, json=body, headers=headers)
                missing = await http.request(method, unknown, json=body, headers=headers)
                expected = FORM_FIRST.get((method, route.path), 404)
                assert foreign.status_code == missing.status_code == expected, (
                    method,
                    path,
                    foreign.text,
                )
                assert foreign.json().keys() == missing.json().keys()
                probed += 1
    assert probed >= 4


async def test_graphql_finds_nothing_of_another_workspace(graphql, upload, app):
    await World(users=3, creators=1, characters=2).build().load(upload)
    other, _ = await _other_workspace(app)
    query = """query($c: ID!, $u: ID!) {
      node(id: $c) { id } character(id: $c) { id }
      platformUser(id: $u) { id } creator(id: $u) { id }
      characters { totalCount } platformUsers { totalCount } messages { totalCount }
    }"""
    variables = {"c": "char_1", "u": "user_1"}
    result = await graphql(query, variables, workspace_id=other)
    assert result.errors is None, result.errors
    assert result.data == {
        "node": None,
        "character": None,
        "platformUser": None,
        "creator": None,
        "characters": {"totalCount": 0},
        "platformUsers": {"totalCount": 0},
        "messages": {"totalCount": 0},
    }
