"""Credentials for the local demo: an owner of the demo workspace and an API key.

Development only. The password is new on every run (printed once), and so is the key.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.auth.keys import create_key
from gateway.auth.passwords import hash_password
from gateway.database import transaction
from gateway.principal import KEY_SCOPES
from gateway.settings import Settings
from models.tenancy import DashboardAccount, WorkspaceMember

DEMO_EMAIL = "demo@example.test"


@dataclass(frozen=True)
class DemoAccess:
    email: str
    password: str
    api_key: str


async def ensure_demo_access(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> DemoAccess:
    if not settings.is_development:
        raise RuntimeError("demo credentials are only made in development")
    password = secrets.token_urlsafe(12)
    async with transaction(sessions) as session:
        account = await session.scalar(
            select(DashboardAccount).where(DashboardAccount.email == DEMO_EMAIL)
        )
        if account is None:
            account = DashboardAccount(email=DEMO_EMAIL, name="Demo Owner")
            session.add(account)
            await session.flush()
            session.add(
                WorkspaceMember(
                    workspace_id=settings.default_workspace_id, account_id=account.id, role="owner"
                )
            )
        account.password_hash = hash_password(password)
        account.current_workspace_id = settings.default_workspace_id
        key = await create_key(
            session,
            workspace_id=settings.default_workspace_id,
            name="demo (all read and write scopes)",
            scopes=sorted(KEY_SCOPES),
            ip_allowlist=[],
            created_by=account.id,
        )
    return DemoAccess(DEMO_EMAIL, password, key.secret)
