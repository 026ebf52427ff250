"""Issuing, rotating and revoking token pairs for dashboard accounts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import revocation
from gateway.auth.accounts import role_in
from gateway.auth.tokens import InvalidToken, IssuedToken, TokenService
from models.identity import RefreshToken
from models.tenancy import DashboardAccount, Workspace


class RefreshRejected(Exception):
    def __init__(self, message: str, revoked_family: str | None = None) -> None:
        super().__init__(message)
        self.revoked_family = revoked_family  # set when a replay revoked the whole login


@dataclass(frozen=True)
class TokenPair:
    access: IssuedToken
    refresh: IssuedToken
    account: DashboardAccount
    workspace: Workspace
    role: str


async def issue_pair(
    session: AsyncSession,
    tokens: TokenService,
    *,
    account: DashboardAccount,
    workspace: Workspace,
    role: str,
    family_id: str | None = None,
) -> TokenPair:
    family_id = family_id or uuid.uuid4().hex
    access = tokens.access(
        account_id=account.id,
        email=account.email,
        role=role,
        subscription=account.subscription,
        workspace_id=workspace.id,
        plan=workspace.subscription,
        family_id=family_id,
    )
    refresh = tokens.refresh(account_id=account.id, workspace_id=workspace.id, family_id=family_id)
    session.add(
        RefreshToken(
            jti=refresh.jti,
            family_id=family_id,
            account_id=account.id,
            workspace_id=workspace.id,
            expires_at=refresh.expires_at,
        )
    )
    await session.flush()
    return TokenPair(access, refresh, account, workspace, role)


async def rotate(session: AsyncSession, tokens: TokenService, refresh_token: str) -> TokenPair:
    """Use a refresh token once. A second use is a replay: the whole family is revoked."""
    try:
        claims = tokens.decode(refresh_token, expected_type="refresh")
    except InvalidToken as exc:
        raise RefreshRejected("Invalid or expired refresh token") from exc
    row = await session.get(RefreshToken, claims["jti"], with_for_update=True)
    if row is None or row.revoked_at is not None:
        raise RefreshRejected("Invalid or expired refresh token")
    if row.used_at is not None:
        await revoke_family(session, row.family_id)
        raise RefreshRejected(
            "Refresh token reuse detected: every session of this login is revoked",
            revoked_family=row.family_id,
        )
    row.used_at = datetime.now(UTC)
    account = await session.get(DashboardAccount, row.account_id)
    workspace = await session.get(Workspace, row.workspace_id)
    role = await role_in(session, row.account_id, row.workspace_id) if account else None
    if account is None or workspace is None or role is None:
        raise RefreshRejected("The account no longer has access to this workspace")
    return await issue_pair(
        session, tokens, account=account, workspace=workspace, role=role, family_id=row.family_id
    )


async def revoke_family(session: AsyncSession, family_id: str) -> None:
    """The login ends: its refresh tokens, and every access token carrying its family id
    (recorded until the last token the family issued has expired)."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    until = await session.scalar(
        select(func.max(RefreshToken.expires_at)).where(RefreshToken.family_id == family_id)
    )
    if until is not None:
        await revocation.revoke(session, token_id=family_id, kind="family", expires_at=until)


async def revoke_refresh(
    session: AsyncSession, tokens: TokenService, refresh_token: str
) -> str | None:
    """Logout: the refresh token's family is revoked (silently if it is already invalid);
    returns the family id."""
    try:
        claims = tokens.decode(refresh_token, expected_type="refresh")
    except InvalidToken:
        return None
    family = await session.scalar(
        select(RefreshToken.family_id).where(RefreshToken.jti == claims["jti"])
    )
    if family is not None:
        await revoke_family(session, family)
    return family
