"""POST /v1/data/upload needs write:data, exactly as the graph's uploadData does."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select

from gateway.auth.keys import create_key
from gateway.database import transaction
from models.platform import PlatformUser
from tests.utils import accounts


def _upload(user_id: str) -> dict:
    return {
        "data_type": "users",
        "data": [{"id": user_id, "created_at": "2024-09-29T00:00:00Z"}],
        "batch_id": f"batch_{uuid.uuid4().hex[:10]}",
    }


async def _stored(sessions, workspace: str, user_id: str) -> int:
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).where(
                PlatformUser.workspace_id == workspace, PlatformUser.id == user_id
            )
        )


async def test_read_only_key_and_viewer_cannot_upload(app, sessions, workspace):
    async with transaction(sessions) as session:
        key = await create_key(
            session,
            workspace_id=workspace,
            name="read only",
            scopes=["read:analytics"],
            ip_allowlist=[],
            created_by=None,
        )
    viewer = await accounts.owner_token(app, workspace, role="viewer")
    member = await accounts.owner_token(app, workspace, role="member")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for credential in (key.secret, viewer):
            user_id = f"user_{uuid.uuid4().hex[:10]}"
            response = await client.post(
                "/v1/data/upload",
                json=_upload(user_id),
                headers={"Authorization": f"Bearer {credential}"},
            )
            assert response.status_code == 403, response.text
            assert response.json()["error_code"] == "FORBIDDEN"
            assert "write:data" in response.json()["message"]
            assert await _stored(sessions, workspace, user_id) == 0
        user_id = f"user_{uuid.uuid4().hex[:10]}"
        allowed = await client.post(
            "/v1/data/upload",
            json=_upload(user_id),
            headers={"Authorization": f"Bearer {member}"},
        )
    assert allowed.status_code == 200, allowed.text
    assert await _stored(sessions, workspace, user_id) == 1
