"""Identity operations, shared by the legacy token endpoints and the GraphQL mutations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.auth import accounts, revocation
from gateway.auth import sessions as token_sessions
from gateway.auth.accounts import AccountError
from gateway.auth.principal_cache import token_tag
from gateway.auth.principals import PrincipalResolver
from gateway.auth.sessions import RefreshRejected, TokenPair
from gateway.auth.tokens import InvalidToken, TokenService
from gateway.database import transaction
from gateway.principal import Principal
from models.base import new_id
from models.tenancy import ROLES, DashboardAccount, Invitation, Workspace, WorkspaceMember

INVITATION_TTL = timedelta(days=7)

__all__ = ["AccountError", "AuthServices", "RefreshRejected", "TokenPair"]


class NotAllowed(Exception):
    pass


class NotFoundError(Exception):
    pass


@dataclass
class AuthServices:
    tokens: TokenService
    principals: PrincipalResolver

    async def login(
        self, sessions: async_sessionmaker[AsyncSession], *, email: str, password: str
    ) -> TokenPair | None:
        async with transaction(sessions) as session:
            account = await accounts.authenticate_password(session, email=email, password=password)
            if account is None:
                return None
            current = await accounts.current_workspace(session, account)
            if current is None:
                return None
            workspace, role = current
            return await token_sessions.issue_pair(
                session, self.tokens, account=account, workspace=workspace, role=role
            )

    async def register(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        email: str,
        password: str,
        name: str,
        company: str | None,
    ) -> TokenPair:
        async with transaction(sessions) as session:
            account, workspace = await accounts.create_account(
                session, email=email, password=password, name=name, company=company
            )
            return await token_sessions.issue_pair(
                session, self.tokens, account=account, workspace=workspace, role="owner"
            )

    async def refresh(
        self, sessions: async_sessionmaker[AsyncSession], refresh_token: str
    ) -> TokenPair:
        # The reuse check must commit its revocation even though the refresh fails.
        async with sessions() as session:
            try:
                pair = await token_sessions.rotate(session, self.tokens, refresh_token)
            except RefreshRejected as exc:
                await session.commit()
                if exc.revoked_family:  # a replay: the login's access tokens stop too
                    await self.principals.cache.invalidate(token_tag(exc.revoked_family))
                raise
            await session.commit()
            return pair

    async def logout(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        refresh_token: str | None = None,
        principal: Principal | None = None,
    ) -> None:
        """Revoke the login: its refresh family (from either token) and the access token."""
        ended: list[str] = []
        async with transaction(sessions) as session:
            if refresh_token:
                family = await token_sessions.revoke_refresh(session, self.tokens, refresh_token)
                ended += [family] if family else []
            if principal is not None and principal.token_family:
                await token_sessions.revoke_family(session, principal.token_family)
                ended.append(principal.token_family)
            if principal is not None and principal.token_id:
                await self._revoke_access(session, principal.token_id)
                ended.append(principal.token_id)
        if ended:
            await self.principals.cache.invalidate(*(token_tag(t) for t in ended))

    async def revoke_access_token(
        self, sessions: async_sessionmaker[AsyncSession], token: str
    ) -> None:
        try:
            claims = self.tokens.decode(token, expected_type="access")
        except InvalidToken:
            return
        async with transaction(sessions) as session:
            await self._revoke_access(session, claims["jti"])
        await self.principals.cache.invalidate(token_tag(claims["jti"]))

    async def _revoke_access(self, session: Any, jti: str) -> None:
        expires = datetime.now(UTC) + self.tokens.access_ttl  # no access token outlives this
        await revocation.revoke(session, token_id=jti, kind="access", expires_at=expires)

    async def switch_workspace(
        self, sessions: async_sessionmaker[AsyncSession], principal: Principal, workspace_id: str
    ) -> TokenPair:
        async with transaction(sessions) as session:
            account = await self._account(session, principal)
            role = await accounts.role_in(session, account.id, workspace_id)
            workspace = await session.get(Workspace, workspace_id)
            if role is None or workspace is None:
                raise NotFoundError("Workspace not found")
            account.current_workspace_id = workspace_id
            return await token_sessions.issue_pair(
                session, self.tokens, account=account, workspace=workspace, role=role
            )

    async def create_workspace(
        self,
        sessions: async_sessionmaker[AsyncSession],
        principal: Principal,
        *,
        name: str,
        slug: str,
    ) -> Workspace:
        async with transaction(sessions) as session:
            account = await self._account(session, principal)
            workspace = Workspace(
                name=name,
                slug=slug,
                owner_id=account.id,
                settings={"timezone": "UTC", "currency": "USD"},
            )
            session.add(workspace)
            await session.flush()
            session.add(
                WorkspaceMember(workspace_id=workspace.id, account_id=account.id, role="owner")
            )
            return workspace

    async def invite(
        self,
        sessions: async_sessionmaker[AsyncSession],
        principal: Principal,
        *,
        workspace_id: str,
        email: str,
        role: str,
    ) -> Invitation:
        if role not in ROLES or role == "owner":
            raise AccountError("role must be one of admin, member, viewer", "role")
        email = accounts.normalise_email(email)
        async with transaction(sessions) as session:
            account = await self._account(session, principal)
            my_role = await accounts.role_in(session, account.id, workspace_id)
            if my_role is None:
                raise NotFoundError("Workspace not found")
            if my_role not in ("owner", "admin"):
                raise NotAllowed("Only owners and admins may invite members")
            invitation = Invitation(
                id=new_id("inv"),
                workspace_id=workspace_id,
                email=email,
                role=role,
                invited_by=account.id,
                expires_at=datetime.now(UTC) + INVITATION_TTL,
            )
            session.add(invitation)
            return invitation

    async def _account(self, session: AsyncSession, principal: Principal) -> DashboardAccount:
        if principal.kind != "account":
            raise NotAllowed("This needs a signed-in account, not an API key")
        account = await session.get(DashboardAccount, principal.subject)
        if account is None:
            raise NotAllowed("The account no longer exists")
        return account
