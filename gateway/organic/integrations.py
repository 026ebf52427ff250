"""Integrations: the OAuth connection (connect answers the provider's authorization URL and a
state; the callback completes it), disconnection (credentials revoked and forgotten), the
connection test, and the link the jobs use to reach a connected provider.

The state handed out is 256 random bits; only its SHA-256 is stored, bound to the
workspace and the account that asked, usable once and until OAUTH_STATE_TTL_SECONDS.
Tokens and the client's own app credentials are sealed (gateway/secrets.py) and never
returned. Syncs are in syncs.py.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters import integrations as adapters
from gateway.adapters.integrations import PROVIDERS, Check, IntegrationAdapter, ProviderError
from gateway.organic.activity import record_activity
from gateway.secrets import SecretBox
from gateway.settings import Settings
from models.base import utcnow
from models.organic import Integration
from models.organic_work import OAuthState
from resolvers.errors import BadUserInput, NotFound
from subscriptions.events import iso, record_event

log = logging.getLogger(__name__)

# The integrations every workspace can connect, by the id the dashboard shows.
CATALOG = {
    "int_tiktok": "tiktok",
    "int_gmail": "gmail",
    "int_mcf": "mcf",
    "int_wordpress": "wordpress",
    "int_shopify": "shopify",
    "int_ga": "google_analytics",
}
SANDBOX_CLIENT_ID = "sandbox-client"


class StateRefused(BadUserInput):
    """The callback's state is unknown, used, expired, or not the caller's."""


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def catalog_row(workspace_id: str, integration_id: str) -> Integration | None:
    provider = CATALOG.get(integration_id)
    if provider is None:
        return None
    return Integration(
        workspace_id=workspace_id,
        id=integration_id,
        name=PROVIDERS[provider].name,
        provider=provider,
        status="disconnected",
    )


async def find(
    session: AsyncSession, workspace_id: str, integration_id: str, *, lock: bool = False
) -> Integration:
    """The workspace's integration, or the catalog's (not yet stored); NotFound else."""
    statement = select(Integration).where(
        Integration.workspace_id == workspace_id, Integration.id == integration_id
    )
    row = await session.scalar(statement.with_for_update() if lock else statement)
    row = row or catalog_row(workspace_id, integration_id)
    if row is None:
        raise NotFound("Integration not found")
    return row


def provider_of(row: Integration) -> adapters.Provider:
    provider = PROVIDERS.get(row.provider)
    if provider is None:
        raise BadUserInput(f"No adapter connects the provider '{row.provider}'")
    return provider


def seal(settings: Settings, data: dict[str, Any]) -> str:
    return SecretBox.from_settings(settings).seal(orjson.dumps(data, default=str).decode())


def unseal(settings: Settings, sealed: str | None) -> dict[str, Any]:
    return orjson.loads(SecretBox.from_settings(settings).open(sealed)) if sealed else {}


async def connect(
    session: AsyncSession,
    adapter: IntegrationAdapter,
    settings: Settings,
    *,
    workspace_id: str,
    account_id: str,
    integration_id: str,
    client: dict[str, str],
    redirect_uri: str,
) -> tuple[str, str]:
    """A new authorization: (authUrl, state)."""
    row = await find(session, workspace_id, integration_id)
    provider = provider_of(row)
    if settings.integration_adapter == "live" and not (client.get("id") and client.get("secret")):
        raise BadUserInput(
            "config.clientKey and config.clientSecret are needed to connect",
            details={"config": "clientKey and clientSecret are required"},
        )
    state = secrets.token_urlsafe(32)
    session.add(
        OAuthState(
            workspace_id=workspace_id,
            id=state_hash(state),
            integration_id=row.id,
            provider=provider.key,
            account_id=account_id,
            redirect_uri=redirect_uri,
            client=seal(settings, client) if client else None,
            expires_at=utcnow() + timedelta(seconds=settings.oauth_state_ttl_seconds),
        )
    )
    url = adapter.authorization_url(
        provider,
        client_id=client.get("id") or SANDBOX_CLIENT_ID,
        redirect_uri=redirect_uri,
        state=state,
    )
    return url, state


async def claim_state(
    sessions: async_sessionmaker[AsyncSession], state: str, account_id: str | None
) -> OAuthState:
    """Use the state up (committed even if the rest fails): single use, until expiry."""
    async with sessions.begin() as session:
        pending = await session.scalar(
            select(OAuthState).where(OAuthState.id == state_hash(state)).with_for_update()
        )
        if pending is None:
            raise StateRefused("Unknown authorization state")
        if pending.used_at is not None:
            raise StateRefused("This authorization state was already used")
        if utcnow() >= pending.expires_at:
            raise StateRefused("This authorization state has expired; connect again")
        if account_id is not None and account_id != pending.account_id:
            raise StateRefused("This authorization state belongs to another user")
        pending.used_at = utcnow()
        await session.flush()
        session.expunge(pending)
    return pending


async def complete(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    state: str,
    code: str | None,
    error: str | None,
    account_id: str | None,
) -> Integration:
    """The callback: exchange the code, store the sealed tokens, mark it connected."""
    pending = await claim_state(sessions, state, account_id)
    ws = pending.workspace_id
    adapter = adapters.from_settings(settings, sessions, ws)
    provider = PROVIDERS[pending.provider]
    client = unseal(settings, pending.client)
    try:
        if error or not code:
            raise ProviderError(f"authorization refused: {error or 'no code'}")
        tokens = await adapter.exchange_code(
            provider, code=code, client=client, redirect_uri=pending.redirect_uri
        )
    except ProviderError as exc:
        async with sessions.begin() as session:
            await mark_failed(session, ws, pending.integration_id, str(exc))
        raise BadUserInput(f"{provider.name} could not be connected: {exc}") from None
    credentials = {
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at,
        "scope": tokens.scope,
        "client": client,
        "account": tokens.account,
    }
    async with sessions.begin() as session:
        row = await _stored(session, ws, pending.integration_id)
        previous = row.status
        now = utcnow()
        row.status, row.error, row.connected_at = "connected", None, now
        row.credentials = seal(settings, credentials)
        row.config = adapters.config_of(provider, tokens.account)
        await record_event(
            session,
            workspace_id=ws,
            type="integration.connected",
            payload=_payload(row, previous),
            subject=row.id,
        )
        record_activity(
            session,
            workspace_id=ws,
            type="integration_connected",
            title=f"{row.name} connected",
            actor_id=pending.account_id,
            metadata={"integrationId": row.id, "provider": row.provider},
        )
    return row


async def _stored(session: AsyncSession, workspace_id: str, integration_id: str) -> Integration:
    row = await find(session, workspace_id, integration_id, lock=True)
    if row not in session:
        session.add(row)
    return row


async def mark_failed(
    session: AsyncSession, workspace_id: str, integration_id: str, reason: str
) -> None:
    row = await _stored(session, workspace_id, integration_id)
    previous = row.status
    row.status, row.error = "error", reason
    await record_event(
        session,
        workspace_id=workspace_id,
        type="integration.failed",
        payload={**_payload(row, previous), "error": reason},
        subject=row.id,
    )


def _payload(row: Integration, previous: str | None) -> dict[str, Any]:
    return {
        "integrationId": row.id,
        "name": row.name,
        "provider": row.provider,
        "status": row.status,
        "previousStatus": previous,
        "lastSync": iso(row.last_sync_at) if row.last_sync_at else None,
    }


async def disconnect(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    workspace_id: str,
    integration_id: str,
) -> None:
    async with sessions.begin() as session:
        row = await find(session, workspace_id, integration_id, lock=True)
        if row not in session:
            return  # never connected: nothing to revoke
        credentials = unseal(settings, row.credentials)
        row.status, row.credentials, row.config, row.error = "disconnected", None, None, None
    if credentials.get("access_token") and row.provider in PROVIDERS:
        adapter = adapters.from_settings(settings, sessions, workspace_id)
        try:
            await adapter.revoke(PROVIDERS[row.provider], credentials)
        except ProviderError:  # the tokens are forgotten either way
            log.warning("revoking %s of %s failed", integration_id, workspace_id, exc_info=True)


async def test(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    workspace_id: str,
    integration_id: str,
) -> Check:
    async with sessions() as session:
        row = await find(session, workspace_id, integration_id)
    provider = provider_of(row)
    credentials = unseal(settings, row.credentials) if row.status == "connected" else None
    adapter = adapters.from_settings(settings, sessions, workspace_id)
    return await adapter.check(provider, credentials)


@dataclass(frozen=True)
class Link:
    adapter: IntegrationAdapter
    provider: adapters.Provider
    credentials: dict[str, Any]


async def live_link(runtime: Any, workspace_id: str, provider_key: str) -> Link:
    """The workspace's connected integration of a provider, ready to call."""
    async with runtime.sessions() as session:
        row = await session.scalar(
            select(Integration)
            .where(
                Integration.workspace_id == workspace_id,
                Integration.provider == provider_key,
                Integration.status == "connected",
            )
            .order_by(Integration.id)
            .limit(1)
        )
    provider = PROVIDERS[provider_key]
    if row is None:
        raise ProviderError(f"no connected {provider.name} integration")
    adapter = adapters.from_settings(runtime.settings, runtime.sessions, workspace_id)
    return Link(adapter, provider, unseal(runtime.settings, row.credentials))
