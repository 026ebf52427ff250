"""Dashboard accounts and tokens for tests (invented people only)."""

from __future__ import annotations

import uuid
from typing import Any

from gateway.auth.passwords import hash_password
from gateway.database import transaction
from models.tenancy import DashboardAccount, Workspace, WorkspaceMember

PASSWORD = "correct-horse-battery"


async def member(app: Any, workspace_id: str, role: str = "owner") -> DashboardAccount:
    """A new account with `role` in `workspace_id` (and that as its current workspace)."""
    email = f"tester-{uuid.uuid4().hex[:10]}@example.test"
    async with transaction(app.state.sessions) as session:
        account = DashboardAccount(
            email=email,
            name="Test Person",
            password_hash=hash_password(PASSWORD),
            current_workspace_id=workspace_id,
        )
        session.add(account)
        await session.flush()
        session.add(WorkspaceMember(workspace_id=workspace_id, account_id=account.id, role=role))
    return account


async def token_for(app: Any, account: DashboardAccount, workspace_id: str, role: str) -> str:
    async with app.state.sessions() as session:
        workspace = await session.get(Workspace, workspace_id)
    assert workspace is not None
    issued = app.state.auth.tokens.access(
        account_id=account.id,
        email=account.email,
        role=role,
        subscription=account.subscription,
        workspace_id=workspace_id,
        plan=workspace.subscription,
    )
    return issued.token


async def owner_token(app: Any, workspace_id: str, role: str = "owner") -> str:
    account = await member(app, workspace_id, role)
    return await token_for(app, account, workspace_id, role)
