"""Connecting and disconnecting social accounts. The platform's tokens are sealed with
gateway/secrets.py before they are stored and never leave the gateway; connecting the same
platform account again reconnects its row (its metrics history stays attached)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.social_accounts import Grant
from gateway.secrets import SecretBox
from models import social as m
from models.base import new_id
from resolvers.errors import NotFound
from subscriptions.events import iso, record_event


async def _notify(session: AsyncSession, account: m.SocialAccount, title: str, verb: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    await record_event(
        session,
        workspace_id=account.workspace_id,
        type="notification",
        subject=f"{account.id}:{verb}:{iso(now)}",
        payload={
            "id": new_id("notif"),
            "title": title,
            "message": f"Your {account.platform} account {account.username} was {verb}",
            "type": "info",
            "actionUrl": "/settings/social",
            "timestamp": iso(now),
        },
    )


async def connect(
    session: AsyncSession, *, workspace_id: str, platform: str, grant: Grant, box: SecretBox
) -> m.SocialAccount:
    now = datetime.now(UTC)
    a = m.SocialAccount
    account = (
        await session.scalars(
            select(a)
            .where(
                a.workspace_id == workspace_id,
                a.platform == platform,
                a.external_id == grant.profile.external_id,
            )
            .with_for_update()
        )
    ).first()
    if account is None:
        account = m.SocialAccount(
            workspace_id=workspace_id,
            id=new_id("social"),
            platform=platform,
            external_id=grant.profile.external_id,
            connected_at=now,
        )
        session.add(account)
    elif not account.is_connected:
        account.connected_at = now
    account.username = grant.profile.username
    account.display_name = grant.profile.display_name
    account.followers = grant.profile.followers
    account.permissions = grant.permissions
    account.is_connected = True
    account.last_sync_at = now
    account.access_token_sealed = box.seal(grant.access_token)
    account.refresh_token_sealed = box.seal(grant.refresh_token) if grant.refresh_token else None
    account.token_expires_at = grant.expires_at
    await session.flush()
    await _notify(session, account, "Account Connected", "connected")
    return account


async def disconnect(session: AsyncSession, *, workspace_id: str, account_id: str) -> None:
    account = await session.get(m.SocialAccount, (workspace_id, account_id), with_for_update=True)
    if account is None or not account.is_connected:
        raise NotFound("Social account not found")
    account.is_connected = False
    account.access_token_sealed = account.refresh_token_sealed = None
    account.token_expires_at = None
    await session.flush()
    await _notify(session, account, "Account Disconnected", "disconnected")
