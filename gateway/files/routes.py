"""GET /files/{file_id}: a stored file, streamed chunk by chunk.

Who may download it:
- anyone holding its signed link (`?expires=..&signature=..`, gateway/files/store.py), until
  the file's expiry, unless the file is owner-only;
- an authenticated principal of the file's workspace (the owner only, for owner-only files).
A principal of another workspace gets 404, as for a file that does not exist, even with a
valid link. After its expiry a file answers 410 and is then removed (jobs.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from gateway.errors import error_response
from gateway.files.store import find, valid_signature
from gateway.principal import Principal
from models.files import StoredFile, StoredFileChunk


async def download(request: Request) -> Response:
    settings = request.app.state.settings
    async with request.app.state.sessions() as session:
        stored = await find(session, request.path_params["file_id"])
    principal = request.scope.get("principal")
    caller = principal if isinstance(principal, Principal) else None
    if stored is None or (caller is not None and caller.workspace_id != stored.workspace_id):
        return error_response(request.scope, 404, "File not found")
    if datetime.now(UTC) >= stored.expires_at:
        return error_response(request.scope, 410, "This file has expired")
    if stored.owner_only:
        if caller is None:
            return error_response(request.scope, 401, "Sign in as the file's owner to download")
        if caller.subject != stored.owner_subject:
            return error_response(request.scope, 404, "File not found")
    elif caller is None and not valid_signature(
        settings,
        stored,
        request.query_params.get("expires"),
        request.query_params.get("signature"),
    ):
        return error_response(request.scope, 403, "This download link is not valid")
    headers = {
        "Content-Length": str(stored.size_bytes),
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.filename)}",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(
        _chunks(request.app.state.sessions, stored), media_type=stored.media_type, headers=headers
    )


async def _chunks(sessions: object, stored: StoredFile) -> AsyncIterator[bytes]:
    seq = -1
    while True:  # one chunk per statement: memory stays at one chunk whatever the size
        async with sessions() as session:  # type: ignore[operator]
            row = (
                await session.execute(
                    select(StoredFileChunk.seq, StoredFileChunk.data)
                    .where(
                        StoredFileChunk.workspace_id == stored.workspace_id,
                        StoredFileChunk.file_id == stored.id,
                        StoredFileChunk.seq > seq,
                    )
                    .order_by(StoredFileChunk.seq)
                    .limit(1)
                )
            ).first()
        if row is None:
            return
        seq = row.seq
        yield row.data


routes = [Route("/files/{file_id}", download, methods=["GET"])]
