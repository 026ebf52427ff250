"""Spec 004's social accounts: connect through the sandbox OAuth adapter, the listed
accounts, disconnect; the tokens sealed at rest (the column never holds the token) and
never returned."""

from __future__ import annotations

from sqlalchemy import text

from gateway.adapters import sandbox
from gateway.secrets import SecretBox
from tests.rest.test_social_routes import _events, check, example


async def _stored(sessions, workspace, account_id):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        row = await session.execute(
            text(
                "SELECT access_token_sealed, refresh_token_sealed, is_connected "
                "FROM social_accounts WHERE workspace_id = :ws AND id = :id"
            ),
            {"ws": workspace, "id": account_id},
        )
        return row.one()


async def test_connect_list_disconnect_as_documented(api, sessions, workspace, settings):
    sent = example("POST /v1/social/connect", "Request")
    connected = check(await api.post("/v1/social/connect", json=sent), "POST /v1/social/connect")
    account = connected["data"]
    assert account["platform"] == "linkedin" and account["isConnected"] is True
    assert account["permissions"] == ["read", "write", "publish"]
    assert "sbx_" not in str(connected)

    # The sandbox adapter was asked to exchange this code, and issued these tokens.
    (call,) = await sandbox.calls(sessions, workspace, "social_auth")
    assert call.action == "exchange_code" and call.payload["platform"] == "linkedin"
    sealed_access, sealed_refresh, is_connected = await _stored(sessions, workspace, account["id"])
    assert is_connected
    box = SecretBox.from_settings(settings)
    access = box.open(sealed_access)
    assert access.startswith("sbx_at_") and access not in sealed_access
    assert box.open(sealed_refresh).startswith("sbx_rt_")
    assert sealed_access.startswith("fernet:")

    listed = check(await api.get("/v1/social/accounts"), "GET /v1/social/accounts")
    assert [a["id"] for a in listed["data"]["accounts"]] == [account["id"]]
    assert access not in str(listed)

    # The same code again: the same platform account, reconnected rather than duplicated.
    again = (await api.post("/v1/social/connect", json=sent)).json()["data"]
    assert again["id"] == account["id"]

    gone = await api.delete(f"/v1/social/accounts/{account['id']}")
    check(gone, "DELETE /v1/social/accounts/:id")
    assert gone.json()["message"] == "Account disconnected successfully"
    assert (await api.get("/v1/social/accounts")).json()["data"]["accounts"] == []
    assert await _stored(sessions, workspace, account["id"]) == (None, None, False)
    twice = await api.delete(f"/v1/social/accounts/{account['id']}")
    assert twice.status_code == 404 and twice.json()["error"]["code"] == "RESOURCE_NOT_FOUND"

    titles = [n["title"] for n in await _events(sessions, workspace, "notification")]
    assert titles == ["Account Connected", "Account Connected", "Account Disconnected"]


async def test_a_refused_code_or_bad_body_connects_nothing(api, sessions, workspace):
    refused = await api.post(
        "/v1/social/connect",
        json={"platform": "facebook", "authCode": "denied", "redirectUri": "https://a.test/cb"},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "EXTERNAL_API_ERROR"
    for bad in (
        {"platform": "myspace", "authCode": "c", "redirectUri": "https://a.test/cb"},
        {"platform": "facebook", "authCode": "", "redirectUri": "https://a.test/cb"},
        {"platform": "facebook", "authCode": "c", "redirectUri": "not-a-url"},
    ):
        response = await api.post("/v1/social/connect", json=bad)
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert (await api.get("/v1/social/accounts")).json()["data"]["accounts"] == []
    assert await _events(sessions, workspace, "notification") == []
