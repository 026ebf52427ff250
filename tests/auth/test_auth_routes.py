"""Every documented token endpoint, request and response, exactly as its spec shows it."""

from __future__ import annotations

import uuid

import pytest

from gateway.rest.auth_views import REFRESH_HEADER


def new_email() -> str:
    return f"person-{uuid.uuid4().hex[:10]}@example.test"


@pytest.fixture
async def registered(anonymous_client):  # type: ignore[no-untyped-def]
    account = {
        "email": new_email(),
        "password": "a-long-password",
        "name": "Iris Vale",
        "company": "Vale Studio",
    }
    response = await anonymous_client.post("/v1/auth/register", json=account)
    assert response.status_code == 201, response.text
    return account, response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_spec_004_register_and_login(anonymous_client, registered):
    account, body = registered
    assert set(body) == {"success", "data"} and body["success"] is True
    assert set(body["data"]) == {"user", "tokens"}
    assert set(body["data"]["user"]) == {
        "id",
        "email",
        "name",
        "avatar",
        "subscription",
        "createdAt",
    }
    assert body["data"]["user"]["id"].startswith("usr_")
    assert set(body["data"]["tokens"]) == {"accessToken", "refreshToken", "expiresIn"}
    login = await anonymous_client.post(
        "/v1/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    assert login.status_code == 200
    user = login.json()["data"]["user"]
    assert set(user) == {"id", "email", "name", "avatar", "subscription", "lastLogin"}
    wrong = await anonymous_client.post(
        "/v1/auth/login", json={"email": account["email"], "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "AUTHENTICATION_REQUIRED"
    assert set(wrong.json()["error"]) == {"code", "message", "details", "timestamp", "requestId"}


async def test_spec_004_register_twice_and_bad_input(anonymous_client, registered):
    account, _ = registered
    again = await anonymous_client.post("/v1/auth/register", json=account)
    assert again.status_code == 409
    bad = await anonymous_client.post("/v1/auth/register", json={"email": "x", "password": "1"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    assert {d["field"] for d in bad.json()["error"]["details"]} >= {"name"}


async def test_spec_004_refresh_profile_and_logout(anonymous_client, registered):
    _, body = registered
    tokens = body["data"]["tokens"]
    refreshed = await anonymous_client.post(
        "/v1/auth/refresh", json={"refreshToken": tokens["refreshToken"]}
    )
    assert refreshed.status_code == 200
    assert refreshed.json() == {
        "success": True,
        "data": {"accessToken": refreshed.json()["data"]["accessToken"], "expiresIn": 900},
    }
    access = refreshed.json()["data"]["accessToken"]
    profile = await anonymous_client.get("/v1/user/profile", headers=bearer(access))
    data = profile.json()["data"]
    assert set(data) == {
        "id",
        "email",
        "name",
        "avatar",
        "bio",
        "timezone",
        "subscription",
        "settings",
        "createdAt",
        "updatedAt",
    }
    assert set(data["subscription"]) == {"plan", "status", "nextBilling", "features"}
    updated = await anonymous_client.put(
        "/v1/user/profile",
        json={"name": "Iris Vale-Moss", "timezone": "America/Los_Angeles"},
        headers=bearer(access),
    )
    assert set(updated.json()["data"]) == {"id", "name", "bio", "timezone", "avatar", "updatedAt"}
    assert updated.json()["data"]["timezone"] == "America/Los_Angeles"
    rotated = refreshed.headers[REFRESH_HEADER]
    out = await anonymous_client.post(
        "/v1/auth/logout", json={"refreshToken": rotated}, headers=bearer(access)
    )
    assert out.json() == {"success": True, "message": "Successfully logged out"}
    after = await anonymous_client.get("/v1/user/profile", headers=bearer(access))
    assert after.status_code == 401  # the access token was revoked too
    reuse = await anonymous_client.post("/v1/auth/refresh", json={"refreshToken": rotated})
    assert reuse.status_code == 401


async def test_replayed_refresh_token_revokes_its_family(anonymous_client, registered):
    _, body = registered
    first = body["data"]["tokens"]["refreshToken"]
    ok = await anonymous_client.post("/v1/auth/refresh", json={"refreshToken": first})
    second = ok.headers[REFRESH_HEADER]
    replay = await anonymous_client.post("/v1/auth/refresh", json={"refreshToken": first})
    assert replay.status_code == 401
    assert "reuse" in replay.json()["error"]["message"].lower()
    # The thief's replay also kills the legitimate holder's newer token.
    victim = await anonymous_client.post("/v1/auth/refresh", json={"refreshToken": second})
    assert victim.status_code == 401


async def test_spec_001_token_and_header_refresh(anonymous_client, registered):
    account, _ = registered
    issued = await anonymous_client.post(
        "/v1/auth/token", json={"username": account["email"], "password": account["password"]}
    )
    assert issued.status_code == 200
    body = issued.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    refreshed = await anonymous_client.post(
        "/v1/auth/refresh", headers=bearer(issued.headers[REFRESH_HEADER])
    )
    assert set(refreshed.json()) == {"access_token", "token_type", "expires_in"}
    bad = await anonymous_client.post(
        "/v1/auth/token", json={"username": account["email"], "password": "x"}
    )
    assert bad.status_code == 401 and bad.json()["error_code"] == "AUTHENTICATION_FAILED"
    assert set(bad.json()) == {
        "success",
        "data",
        "metadata",
        "message",
        "timestamp",
        "error_code",
        "details",
    }


async def test_spec_002_refresh(anonymous_client, registered):
    _, body = registered
    refreshed = await anonymous_client.post(
        "/api/v1/auth/refresh", json={"refresh_token": body["data"]["tokens"]["refreshToken"]}
    )
    assert refreshed.json() == {
        "access_token": refreshed.json()["access_token"],
        "token_type": "bearer",
        "expires_in": 900,
    }
    missing = await anonymous_client.post("/api/v1/auth/refresh", json={})
    assert missing.status_code == 422
    assert set(missing.json()["error"]) == {"code", "message", "details", "request_id"}


async def test_spec_003_signin_me_refresh_signout(anonymous_client, registered):
    account, _ = registered
    signin = await anonymous_client.post(
        "/api/auth/signin", json={"email": account["email"], "password": account["password"]}
    )
    body = signin.json()
    assert set(body) == {"success", "data", "meta"}
    assert set(body["data"]) == {"token", "user"}
    assert set(body["data"]["user"]) == {"id", "email", "name", "workspaces"}
    (workspace,) = body["data"]["user"]["workspaces"]
    assert workspace["role"] == "owner" and workspace["name"] == "Vale Studio"
    token = body["data"]["token"]
    me = (await anonymous_client.get("/api/auth/me", headers=bearer(token))).json()["data"]
    assert set(me) == {"id", "email", "name", "avatarUrl", "currentWorkspace"}
    assert me["currentWorkspace"] == workspace
    refreshed = await anonymous_client.post(
        "/api/auth/refresh", headers=bearer(signin.headers[REFRESH_HEADER])
    )
    assert set(refreshed.json()["data"]) == {"token", "expiresAt"}
    out = await anonymous_client.post("/api/auth/signout", headers=bearer(token))
    assert out.json()["data"] == {"message": "Successfully signed out"}
    gone = await anonymous_client.get("/api/auth/me", headers=bearer(token))
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "UNAUTHORIZED" and set(gone.json()) == {
        "success",
        "error",
        "meta",
    }


async def test_spec_003_workspaces(anonymous_client, registered):
    _, body = registered
    token = body["data"]["tokens"]["accessToken"]
    slug = f"north-{uuid.uuid4().hex[:6]}"
    created = await anonymous_client.post(
        "/api/workspaces", json={"name": "North Brand", "slug": slug}, headers=bearer(token)
    )
    workspace = created.json()["data"]["workspace"]
    assert set(workspace) == {"id", "name", "slug", "ownerId", "createdAt"}
    duplicate = await anonymous_client.post(
        "/api/workspaces", json={"name": "Again", "slug": slug}, headers=bearer(token)
    )
    assert duplicate.status_code == 400
    listed = (await anonymous_client.get("/api/workspaces", headers=bearer(token))).json()["data"][
        "workspaces"
    ]
    assert {w["slug"] for w in listed} >= {slug}
    assert set(listed[0]) == {
        "id",
        "name",
        "slug",
        "logoUrl",
        "role",
        "memberCount",
        "subscription",
    }
    updated = await anonymous_client.put(
        f"/api/workspaces/{workspace['id']}",
        json={
            "name": "North Brand Co",
            "settings": {"timezone": "America/New_York", "currency": "USD"},
        },
        headers=bearer(token),
    )
    assert set(updated.json()["data"]["workspace"]) == {"id", "name", "updatedAt"}
    switched = await anonymous_client.post(
        f"/api/workspaces/{workspace['id']}/switch", headers=bearer(token)
    )
    data = switched.json()["data"]
    assert data["workspace"] == {"id": workspace["id"], "name": "North Brand Co"}
    invited = await anonymous_client.post(
        f"/api/workspaces/{workspace['id']}/invite",
        json={"email": "Newmember@Example.test", "role": "member"},
        headers=bearer(data["token"]),
    )
    assert set(invited.json()["data"]["invitation"]) == {"id", "email", "role", "expiresAt"}
    assert invited.json()["data"]["invitation"]["email"] == "newmember@example.test"
