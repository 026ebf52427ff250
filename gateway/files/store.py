"""Writing, finding and signing stored files (models/files.py)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.signing_secret import purpose_mac, signing_secret
from models.files import StoredFile, StoredFileChunk

if TYPE_CHECKING:
    from gateway.settings import Settings

CHUNK_BYTES = 1024 * 1024


class FileWriter:
    """Appends bytes to a stored file in CHUNK_BYTES rows; `close()` marks it complete.
    Everything happens in the caller's session, so a failed export leaves no file behind
    once its transaction rolls back."""

    def __init__(self, session: AsyncSession, stored: StoredFile) -> None:
        self.session, self.file = session, stored
        self._buffer = bytearray()
        self._seq = 0
        self._digest = hashlib.sha256()
        self._size = 0

    async def write(self, data: bytes) -> None:
        self._buffer += data
        self._digest.update(data)
        self._size += len(data)
        while len(self._buffer) >= CHUNK_BYTES:
            await self._flush(bytes(self._buffer[:CHUNK_BYTES]))
            del self._buffer[:CHUNK_BYTES]

    async def close(self) -> StoredFile:
        if self._buffer or self._seq == 0:
            await self._flush(bytes(self._buffer))
            self._buffer.clear()
        await self.session.execute(
            update(StoredFile)
            .where(StoredFile.workspace_id == self.file.workspace_id, StoredFile.id == self.file.id)
            .values(complete=True, size_bytes=self._size, sha256=self._digest.hexdigest())
        )
        self.file.complete, self.file.size_bytes = True, self._size
        self.file.sha256 = self._digest.hexdigest()
        return self.file

    async def _flush(self, data: bytes) -> None:
        self.session.add(
            StoredFileChunk(
                workspace_id=self.file.workspace_id, file_id=self.file.id, seq=self._seq, data=data
            )
        )
        await self.session.flush()
        self._seq += 1


async def open_writer(
    session: AsyncSession,
    *,
    workspace_id: str,
    purpose: str,
    filename: str,
    media_type: str,
    expires_at: datetime,
    owner_subject: str | None = None,
    owner_only: bool = False,
    file_id: str | None = None,
) -> FileWriter:
    stored = StoredFile(
        workspace_id=workspace_id,
        purpose=purpose,
        filename=filename,
        media_type=media_type,
        expires_at=expires_at,
        owner_subject=owner_subject,
        owner_only=owner_only,
    )
    if file_id is not None:
        stored.id = file_id
    session.add(stored)
    await session.flush()
    return FileWriter(session, stored)


async def find(session: AsyncSession, file_id: str) -> StoredFile | None:
    """A complete file by its id (ids are random and unique across workspaces)."""
    return await session.scalar(
        select(StoredFile).where(StoredFile.id == file_id, StoredFile.complete.is_(True))
    )


def _signature(secret: str, workspace_id: str, file_id: str, expires: int) -> str:
    message = f"{workspace_id}\n{file_id}\n{expires}".encode()
    return purpose_mac(secret, b"gateway file links", message).hex()


def signed_path(settings: Settings, stored: StoredFile) -> str:
    """/files/<id>?expires=..&signature=..: works until the file's expiry, for that file only."""
    expires = int(stored.expires_at.timestamp())
    signature = _signature(signing_secret(settings), stored.workspace_id, stored.id, expires)
    return f"/files/{stored.id}?" + urlencode({"expires": expires, "signature": signature})


def signed_url(settings: Settings, stored: StoredFile, base_url: str) -> str:
    """The absolute signed link: PUBLIC_BASE_URL when set, else the request's own base."""
    return settings.public_base(base_url) + signed_path(settings, stored)


def valid_signature(
    settings: Settings, stored: StoredFile, expires: str | None, signature: str | None
) -> bool:
    if not expires or not signature or not expires.isdigit():
        return False
    if int(expires) != int(stored.expires_at.timestamp()):
        return False
    expected = _signature(signing_secret(settings), stored.workspace_id, stored.id, int(expires))
    return hmac.compare_digest(expected, signature)
