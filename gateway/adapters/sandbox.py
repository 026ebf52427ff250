"""Where sandbox adapters record what they were asked (models/sandbox.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.database import transaction
from models.sandbox import SandboxCall


async def record(
    sessions: async_sessionmaker[AsyncSession],
    *,
    workspace_id: str,
    adapter: str,
    action: str,
    payload: dict[str, Any],
    outcome: dict[str, Any],
) -> str:
    async with transaction(sessions) as session:
        call = SandboxCall(
            workspace_id=workspace_id,
            adapter=adapter,
            action=action,
            payload=payload,
            outcome=outcome,
        )
        session.add(call)
    return call.id


async def calls(
    sessions: async_sessionmaker[AsyncSession], workspace_id: str, adapter: str
) -> list[SandboxCall]:
    """What `adapter` was asked in a workspace, oldest first."""
    async with sessions() as session:
        rows = await session.scalars(
            select(SandboxCall)
            .where(SandboxCall.workspace_id == workspace_id, SandboxCall.adapter == adapter)
            .order_by(SandboxCall.created_at, SandboxCall.id)
        )
        return list(rows)
