"""Revoked access tokens (by jti) and logins (by refresh family), kept in PostgreSQL.

Each revocation is a row of `token_revocations`, kept until every token it covers has
expired, so that restarting Redis (or running without it) never revives a token. Resolving
a principal reads it in the same statement as the membership (gateway/auth/principals.py);
the principal cache keeps that answer briefly and is told to forget it on revocation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.identity import TokenRevocation


async def revoke(session: AsyncSession, *, token_id: str, kind: str, expires_at: datetime) -> None:
    """Record a revocation in the session's transaction (a second one is a no-op)."""
    await session.execute(
        insert(TokenRevocation)
        .values(token_id=token_id, kind=kind, expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[TokenRevocation.token_id],
            set_={"expires_at": func.greatest(TokenRevocation.expires_at, expires_at)},
        )
    )
    # Rows nobody can need any more (every token they covered has expired).
    await session.execute(delete(TokenRevocation).where(TokenRevocation.expires_at < func.now()))
