"""Stored files: written in chunks, downloaded whole through a signed link or by a member of
their workspace, refused to other workspaces, after expiry and, when owner-only, to anyone
but their owner; removed by the cleanup job once expired."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from gateway.database import transaction
from gateway.files import CHUNK_BYTES, open_writer, signed_path
from gateway.files.jobs import remove_expired_files
from gateway.jobs import Runtime
from models.base import new_id
from models.files import StoredFile, StoredFileChunk
from models.tenancy import Workspace
from tests.utils import accounts


async def _workspace(sessions: Any) -> str:
    workspace_id = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=workspace_id, name="Files test", slug=workspace_id))
    return workspace_id


async def _store(sessions: Any, workspace_id: str, body: bytes, **kw: Any) -> StoredFile:
    async with transaction(sessions) as session:
        writer = await open_writer(
            session,
            workspace_id=workspace_id,
            purpose="test_export",
            filename="report 2024.csv",
            media_type="text/csv",
            expires_at=kw.pop("expires_at", datetime.now(UTC) + timedelta(hours=1)),
            **kw,
        )
        for start in range(0, len(body), 300_000):  # writes that straddle chunk edges
            await writer.write(body[start : start + 300_000])
        return await writer.close()


@pytest.fixture
async def client(app: Any) -> Any:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as c:
        yield c


async def test_a_signed_link_downloads_the_whole_file(app: Any, sessions: Any, client: Any):
    workspace_id = await _workspace(sessions)
    body = bytes(range(256)) * (CHUNK_BYTES // 100)  # about 2.6 chunks
    stored = await _store(sessions, workspace_id, body)
    async with sessions() as session:
        chunks = await session.scalar(
            select(func.count()).where(StoredFileChunk.file_id == stored.id)
        )
    assert chunks == 3 and stored.sha256 == hashlib.sha256(body).hexdigest()

    answer = await client.get(signed_path(app.state.settings, stored))
    assert answer.status_code == 200
    assert answer.content == body
    assert answer.headers["content-type"].startswith("text/csv")
    assert "report%202024.csv" in answer.headers["content-disposition"]


async def test_links_refuse_tampering_other_workspaces_and_expiry(
    app: Any, sessions: Any, client: Any
):
    workspace_id = await _workspace(sessions)
    stored = await _store(sessions, workspace_id, b"id,total\n1,2\n")
    good = signed_path(app.state.settings, stored)
    assert (await client.get(good.replace("signature=", "signature=0"))).status_code == 403
    assert (await client.get(f"/files/{stored.id}")).status_code == 403
    assert (await client.get(f"/files/{new_id('file')}")).status_code == 404

    stranger = await accounts.owner_token(app, await _workspace(sessions))
    foreign = await client.get(good, headers={"Authorization": f"Bearer {stranger}"})
    assert foreign.status_code == 404  # as if it did not exist, even with a valid link

    member = await accounts.owner_token(app, workspace_id, role="viewer")
    own = await client.get(f"/files/{stored.id}", headers={"Authorization": f"Bearer {member}"})
    assert own.status_code == 200 and own.content == b"id,total\n1,2\n"

    async with transaction(sessions) as session:
        await session.execute(
            update(StoredFile)
            .where(StoredFile.id == stored.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert (await client.get(good)).status_code == 410


async def test_an_owner_only_file_is_for_its_owner(app: Any, sessions: Any, client: Any):
    workspace_id = await _workspace(sessions)
    owner = await accounts.member(app, workspace_id, "owner")
    colleague = await accounts.owner_token(app, workspace_id, role="admin")
    stored = await _store(
        sessions, workspace_id, b"private", owner_subject=owner.id, owner_only=True
    )
    link = signed_path(app.state.settings, stored)
    assert (await client.get(link)).status_code == 401
    other = await client.get(link, headers={"Authorization": f"Bearer {colleague}"})
    assert other.status_code == 404
    token = await accounts.token_for(app, owner, workspace_id, "owner")
    mine = await client.get(link, headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and mine.content == b"private"


async def test_the_cleanup_job_removes_expired_files_only(engine: Any, settings: Any, sessions):
    workspace_id = await _workspace(sessions)
    past = datetime.now(UTC) - timedelta(minutes=1)
    expired = await _store(sessions, workspace_id, b"old", expires_at=past)
    current = await _store(sessions, workspace_id, b"new")
    assert await remove_expired_files(Runtime(engine, settings)) >= 1
    async with sessions() as session:
        left = set(
            await session.scalars(
                select(StoredFileChunk.file_id).where(
                    StoredFileChunk.file_id.in_([expired.id, current.id])
                )
            )
        )
    assert left == {current.id}
