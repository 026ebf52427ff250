"""Dashboard accounts, their workspaces and roles: the data access identity needs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.passwords import hash_password, needs_rehash, verify_password
from gateway.principal import ROLE_SCOPES, Principal
from models.base import new_id
from models.tenancy import DashboardAccount, Workspace, WorkspaceMember

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(Exception):
    """A clear, user-facing reason (duplicate email, weak password, ...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise AccountError("Invalid email format", "email")
    return email


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "workspace"


async def create_account(
    session: AsyncSession, *, email: str, password: str, name: str = "", company: str | None = None
) -> tuple[DashboardAccount, Workspace]:
    """A new account with its own workspace, where it is the owner."""
    email = normalise_email(email)
    if len(password) < 8:
        raise AccountError("Password must be at least 8 characters", "password")
    if await account_by_email(session, email) is not None:
        raise AccountError("An account with this email already exists", "email")
    account = DashboardAccount(
        email=email, name=name, company=company, password_hash=hash_password(password)
    )
    workspace_name = company or f"{name or email.split('@')[0]}'s workspace"
    workspace = Workspace(
        name=workspace_name,
        slug=f"{_slug(workspace_name)}-{new_id('x')[2:8]}",
        settings={"timezone": "UTC", "currency": "USD"},
    )
    session.add_all([account, workspace])
    await session.flush()
    workspace.owner_id = account.id
    account.current_workspace_id = workspace.id
    session.add(WorkspaceMember(workspace_id=workspace.id, account_id=account.id, role="owner"))
    await session.flush()
    return account, workspace


async def account_by_email(session: AsyncSession, email: str) -> DashboardAccount | None:
    return await session.scalar(select(DashboardAccount).where(DashboardAccount.email == email))


async def authenticate_password(
    session: AsyncSession, *, email: str, password: str
) -> DashboardAccount | None:
    try:
        email = normalise_email(email)
    except AccountError:
        email = ""
    account = await account_by_email(session, email) if email else None
    if not verify_password(password, account.password_hash if account else None):
        return None
    assert account is not None and account.password_hash is not None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = datetime.now(UTC)
    return account


async def memberships(session: AsyncSession, account_id: str) -> list[tuple[Workspace, str]]:
    rows = await session.execute(
        select(Workspace, WorkspaceMember.role)
        .join(WorkspaceMember, WorkspaceMember.workspace_id == Workspace.id)
        .where(WorkspaceMember.account_id == account_id)
        .order_by(Workspace.created_at)
    )
    return [(workspace, role) for workspace, role in rows.all()]


async def role_in(session: AsyncSession, account_id: str, workspace_id: str) -> str | None:
    return await session.scalar(
        select(WorkspaceMember.role).where(
            WorkspaceMember.account_id == account_id, WorkspaceMember.workspace_id == workspace_id
        )
    )


async def current_workspace(
    session: AsyncSession, account: DashboardAccount
) -> tuple[Workspace, str] | None:
    """The workspace the account last switched to (else its first), with its role there."""
    options = await memberships(session, account.id)
    for workspace, role in options:
        if workspace.id == account.current_workspace_id:
            return workspace, role
    return options[0] if options else None


def account_principal(
    account: DashboardAccount, workspace: Workspace, role: str, token_id: str | None = None
) -> Principal:
    return Principal(
        workspace_id=workspace.id,
        subject=account.id,
        kind="account",
        role=role,
        scopes=ROLE_SCOPES[role],
        email=account.email,
        plan=workspace.subscription,
        token_id=token_id,
    )
