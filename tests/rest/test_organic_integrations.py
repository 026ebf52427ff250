"""Integrations: OAuth connection with a single-use, expiring state bound to its workspace
and user; credentials sealed at rest and never returned; disconnect revokes them; sync
runs as a job through the adapter; test reports the adapter's check."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.adapters import sandbox
from gateway.principal import ROLE_SCOPES, Principal
from tests.utils import accounts
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_jobs import events


@pytest.fixture
async def owner(api, workspace, _marketing_app):  # type: ignore[no-untyped-def]
    app, caller = _marketing_app
    account = await accounts.member(app, workspace)
    caller.principal = Principal(
        workspace_id=workspace, subject=account.id, kind="account", scopes=ROLE_SCOPES["owner"]
    )
    return account


async def _connect(api, workspace, integration="int_tiktok"):  # type: ignore[no-untyped-def]
    answer = await api.post(
        f"/api/integrations/{integration}/connect",
        json={"workspaceId": workspace, "config": {"clientKey": "ck_test", "clientSecret": "cs"}},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def _callback(api, state, code="code-1", **headers):  # type: ignore[no-untyped-def]
    return await api.get("/api/integrations/callback", params={"state": state, "code": code})


async def test_connect_callback_and_the_sealed_credentials(api, workspace, owner, sessions):
    started = await _connect(api, workspace)
    assert (
        "client_key=ck_test" in started["authUrl"]
        and f"state={started['state']}" in started["authUrl"]
    )
    done = await _callback(api, started["state"])
    assert done.status_code == 200, done.text
    assert done.json()["data"]["integration"]["status"] == "connected"
    async with sessions() as session:
        sealed = await session.scalar(
            text(
                "SELECT credentials FROM integrations "
                "WHERE workspace_id = :ws AND id = 'int_tiktok'"
            ),
            {"ws": workspace},
        )
        stored_state = await session.scalar(
            text("SELECT id FROM oauth_states WHERE workspace_id = :ws"), {"ws": workspace}
        )
    assert sealed.startswith("fernet:") and "sbx_at_" not in sealed
    assert stored_state != started["state"]  # only its hash is kept
    listed = (await api.get("/api/integrations", params={"workspaceId": workspace})).text
    assert "sbx_at_" not in listed and "ck_test" not in listed
    (event,) = await events(sessions, workspace, "integration.connected")
    assert event["integrationId"] == "int_tiktok" and event["previousStatus"] == "disconnected"
    tested = await api.post("/api/integrations/int_tiktok/test", json={"workspaceId": workspace})
    assert tested.json()["data"]["status"] == "success"


async def test_a_state_is_used_once_and_expires(api, workspace, owner, sessions):
    first = await _connect(api, workspace)
    assert (await _callback(api, first["state"])).status_code == 200
    replay = await _callback(api, first["state"])
    assert replay.status_code == 400
    assert replay.json()["error"]["message"] == "This authorization state was already used"
    second = await _connect(api, workspace, "int_gmail")
    async with sessions.begin() as session:
        await session.execute(
            text(
                "UPDATE oauth_states SET expires_at = now() - interval '1 second' "
                "WHERE workspace_id = :ws AND used_at IS NULL"
            ),
            {"ws": workspace},
        )
    expired = await _callback(api, second["state"])
    assert expired.status_code == 400 and "expired" in expired.json()["error"]["message"]
    forged = await _callback(api, "not-a-state-we-gave")
    assert forged.status_code == 400


async def test_the_state_is_bound_to_its_user(api, workspace, owner, _marketing_app):
    started = await _connect(api, workspace)
    app, caller = _marketing_app
    other = await accounts.member(app, workspace)
    caller.principal = Principal(
        workspace_id=workspace, subject=other.id, kind="account", scopes=ROLE_SCOPES["owner"]
    )
    refused = await _callback(api, started["state"])
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "This authorization state belongs to another user"


async def test_a_declined_authorization_fails_the_integration(api, workspace, owner, sessions):
    started = await _connect(api, workspace)
    declined = await _callback(api, started["state"], code="denied")
    assert declined.status_code == 400
    (event,) = await events(sessions, workspace, "integration.failed")
    assert event["integrationId"] == "int_tiktok" and "access_denied" in event["error"]


async def test_sync_disconnect_and_revocation(api, workspace, owner, engine, settings, sessions):
    started = await _connect(api, workspace)
    await _callback(api, started["state"])
    synced = await api.post("/api/integrations/int_tiktok/sync", json={"workspaceId": workspace})
    job = synced.json()["data"]
    assert job["status"] == "processing" and job["jobId"].startswith("sync_")
    await run_due_jobs(engine, settings)
    listed = (await api.get("/api/integrations", params={"workspaceId": workspace})).json()
    tiktok = next(i for i in listed["data"]["integrations"] if i["id"] == "int_tiktok")
    assert tiktok["lastSync"] and tiktok["config"]["accounts"][0]["username"] == "@sandbox_tiktok"
    gone = await api.post(
        "/api/integrations/int_tiktok/disconnect", json={"workspaceId": workspace}
    )
    assert gone.json()["data"] == {"message": "Integration disconnected successfully"}
    actions = [c.action for c in await sandbox.calls(sessions, workspace, "integration:tiktok")]
    assert actions == ["exchange_code", "sync", "revoke"]
    async with sessions() as session:
        row = (
            await session.execute(
                text(
                    "SELECT status, credentials FROM integrations "
                    "WHERE workspace_id = :ws AND id = 'int_tiktok'"
                ),
                {"ws": workspace},
            )
        ).one()
    assert tuple(row) == ("disconnected", None)
    tested = await api.post("/api/integrations/int_tiktok/test", json={"workspaceId": workspace})
    assert tested.json()["data"]["details"]["authentication"] == "failed"
    not_connected = await api.post(
        "/api/integrations/int_tiktok/sync", json={"workspaceId": workspace}
    )
    assert not_connected.status_code == 400
    unknown = await api.post("/api/integrations/int_nothing/test", json={"workspaceId": workspace})
    assert unknown.status_code == 404


async def test_members_cannot_connect(api, workspace):
    api.caller.principal = Principal(
        workspace_id=workspace, subject="m", scopes=ROLE_SCOPES["member"]
    )
    refused = await api.post(
        "/api/integrations/int_tiktok/connect", json={"workspaceId": workspace}
    )
    assert refused.status_code == 403
