"""The dashboard's connected services (TikTok, Gmail, Amazon MCF, WordPress, Shopify, Google
Analytics): OAuth authorization, token exchange and revocation, the connection check, syncs
and publishing. INTEGRATION_ADAPTER=live talks to each provider's API over httpx
(integrations_live.py); the default sandbox behaves like them locally and records what it
was asked.

Sandbox outcomes the demo and the tests can ask for: the authorization code `denied` is
refused (as a user declining consent); a publication whose media URL is on
`unavailable.example.test` fails temporarily (retried), on `rejected.example.test` for good.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.adapters import sandbox

if TYPE_CHECKING:
    from gateway.settings import Settings

UNAVAILABLE_HOST = "unavailable.example.test"
REJECTED_HOST = "rejected.example.test"


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    authorize_url: str
    token_url: str
    revoke_url: str | None
    check_url: str  # an authenticated read of the connected account
    scopes: tuple[str, ...]
    client_id_param: str = "client_id"
    scope_separator: str = " "


PROVIDERS: dict[str, Provider] = {
    p.key: p
    for p in (
        Provider(
            "tiktok",
            "TikTok",
            "https://www.tiktok.com/v2/auth/authorize/",
            "https://open.tiktokapis.com/v2/oauth/token/",
            "https://open.tiktokapis.com/v2/oauth/revoke/",
            "https://open.tiktokapis.com/v2/user/info/?fields=open_id,display_name,follower_count",
            ("user.info.basic", "user.info.stats", "video.list", "video.publish"),
            client_id_param="client_key",
            scope_separator=",",
        ),
        Provider(
            "gmail",
            "Gmail",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            "https://oauth2.googleapis.com/revoke",
            "https://gmail.googleapis.com/gmail/v1/users/me/profile",
            ("https://www.googleapis.com/auth/gmail.send",),
        ),
        Provider(
            "google_analytics",
            "Google Analytics",
            "https://accounts.google.com/o/oauth2/v2/auth",
            "https://oauth2.googleapis.com/token",
            "https://oauth2.googleapis.com/revoke",
            "https://analyticsadmin.googleapis.com/v1beta/accountSummaries",
            ("https://www.googleapis.com/auth/analytics.readonly",),
        ),
        Provider(
            "mcf",
            "Amazon MCF",
            "https://www.amazon.com/ap/oa",
            "https://api.amazon.com/auth/o2/token",
            None,
            "https://api.amazon.com/user/profile",
            ("profile",),
        ),
        Provider(
            "wordpress",
            "WordPress",
            "https://public-api.wordpress.com/oauth2/authorize",
            "https://public-api.wordpress.com/oauth2/token",
            None,
            "https://public-api.wordpress.com/rest/v1.1/me",
            ("posts",),
        ),
        Provider(
            "shopify",
            "Shopify",
            "https://accounts.shopify.com/oauth/authorize",
            "https://accounts.shopify.com/oauth/token",
            None,
            "https://accounts.shopify.com/oauth/userinfo",
            ("read_orders", "read_products"),
        ),
    )
}


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str | None
    account: dict[str, Any] = field(default_factory=dict)  # what the dashboard may show


@dataclass(frozen=True)
class Check:
    connection: str  # "ok" | "failed"
    authentication: str
    permissions: str
    latency_ms: int
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.connection == self.authentication == self.permissions == "ok"


@dataclass(frozen=True)
class Publication:
    workspace_id: str
    content_id: str
    type: str
    title: str
    body: str
    media_urls: tuple[str, ...]
    idempotency_key: str  # the same publication under the same key happens once


@dataclass(frozen=True)
class Published:
    external_id: str
    url: str | None


@dataclass(frozen=True)
class SyncResult:
    config: dict[str, Any]  # accounts, sender address ... (never credentials)
    # Per published item (by content id): its numbers today on the provider.
    metrics: dict[str, dict[str, int]] = field(default_factory=dict)


class ProviderError(Exception):
    """The provider refused or failed; `temporary` ones are worth retrying."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class IntegrationAdapter(Protocol):
    name: str

    def authorization_url(
        self, provider: Provider, *, client_id: str, redirect_uri: str, state: str
    ) -> str: ...

    async def exchange_code(
        self, provider: Provider, *, code: str, client: dict[str, str], redirect_uri: str
    ) -> Tokens: ...

    async def revoke(self, provider: Provider, credentials: dict[str, Any]) -> None: ...

    async def check(self, provider: Provider, credentials: dict[str, Any] | None) -> Check: ...

    async def sync(
        self,
        provider: Provider,
        credentials: dict[str, Any],
        *,
        full: bool,
        published: list[tuple[str, str]],  # (content id, external id) published through it
    ) -> SyncResult: ...

    async def publish(
        self, provider: Provider, credentials: dict[str, Any], item: Publication
    ) -> Published: ...


def authorization_url(provider: Provider, *, client_id: str, redirect_uri: str, state: str) -> str:
    query = {
        provider.client_id_param: client_id,
        "response_type": "code",
        "scope": provider.scope_separator.join(provider.scopes),
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{provider.authorize_url}?{urlencode(query)}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


class SandboxIntegrations:
    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: str) -> None:
        self.sessions, self.workspace_id = sessions, workspace_id

    async def _record(self, provider: Provider, action: str, payload: Any, outcome: Any) -> None:
        await sandbox.record(
            self.sessions,
            workspace_id=self.workspace_id,
            adapter=f"integration:{provider.key}",
            action=action,
            payload=payload,
            outcome=outcome,
        )

    def authorization_url(
        self, provider: Provider, *, client_id: str, redirect_uri: str, state: str
    ) -> str:
        return authorization_url(
            provider, client_id=client_id, redirect_uri=redirect_uri, state=state
        )

    async def exchange_code(
        self, provider: Provider, *, code: str, client: dict[str, str], redirect_uri: str
    ) -> Tokens:
        payload = {"code": code, "redirect_uri": redirect_uri, "client_id": client.get("id")}
        if code == "denied":
            await self._record(provider, "exchange_code", payload, {"error": "access_denied"})
            raise ProviderError("the user declined access (access_denied)")
        seed = _digest(self.workspace_id, provider.key, code)
        tokens = Tokens(
            access_token=f"sbx_at_{seed[:24]}",
            refresh_token=f"sbx_rt_{seed[24:48]}",
            expires_at=datetime.now(UTC) + timedelta(hours=24),
            scope=provider.scope_separator.join(provider.scopes),
            account=_sandbox_account(provider, seed),
        )
        await self._record(provider, "exchange_code", payload, {"account": tokens.account})
        return tokens

    async def revoke(self, provider: Provider, credentials: dict[str, Any]) -> None:
        token = str(credentials.get("access_token", ""))
        await self._record(provider, "revoke", {"token_sha256": _digest(token)}, {"ok": True})

    async def check(self, provider: Provider, credentials: dict[str, Any] | None) -> Check:
        started = time.perf_counter()
        token = (credentials or {}).get("access_token")
        authenticated = isinstance(token, str) and token.startswith("sbx_at_")
        latency = round((time.perf_counter() - started) * 1000)
        check = Check(
            connection="ok",
            authentication="ok" if authenticated else "failed",
            permissions="ok" if authenticated else "failed",
            latency_ms=latency,
            message=None if authenticated else "no valid access token: connect it again",
        )
        await self._record(provider, "check", {}, asdict(check))
        return check

    async def sync(
        self,
        provider: Provider,
        credentials: dict[str, Any],
        *,
        full: bool,
        published: list[tuple[str, str]],
    ) -> SyncResult:
        seed = _digest(str(credentials.get("access_token", "")))
        account = credentials.get("account") or _sandbox_account(provider, seed)
        metrics = {}
        for content_id, external_id in published:
            n = int(_digest(seed, external_id)[:6], 16)
            views = 200 + n % 5000
            metrics[content_id] = {
                "views": views,
                "likes": views // 12,
                "shares": views // 90,
                "saves": views // 70,
                "clicks": views // 40,
            }
        result = SyncResult(config=config_of(provider, account), metrics=metrics)
        await self._record(
            provider, "sync", {"full": full, "items": len(published)}, {"config": result.config}
        )
        return result

    async def publish(
        self, provider: Provider, credentials: dict[str, Any], item: Publication
    ) -> Published:
        hosts = {urlsplit(url).hostname for url in item.media_urls}
        payload = {**asdict(item), "media_urls": list(item.media_urls)}
        if REJECTED_HOST in hosts:
            await self._record(provider, "publish", payload, {"error": "rejected"})
            raise ProviderError(f"{provider.name} rejected the media at {REJECTED_HOST}")
        if UNAVAILABLE_HOST in hosts:
            await self._record(provider, "publish", payload, {"error": "unavailable"})
            raise ProviderError(f"{provider.name} is unavailable (503)", temporary=True)
        external = f"{provider.key}_{_digest(item.idempotency_key)[:12]}"
        published = Published(external, f"https://{provider.key}.example.test/p/{external}")
        await self._record(provider, "publish", payload, asdict(published))
        return published


def _sandbox_account(provider: Provider, seed: str) -> dict[str, Any]:
    n = int(seed[:8], 16)
    return {
        "id": f"{provider.key[:2]}_{seed[:8]}",
        "username": f"@sandbox_{provider.key}",
        "followers": 1000 + n % 50_000,
        "email": f"marketing@{provider.key}.example.test",
    }


def config_of(provider: Provider, account: dict[str, Any]) -> dict[str, Any]:
    """What the dashboard shows of a connected account (spec 003's `config`)."""
    if provider.key in ("gmail",):
        return {"email": account.get("email")}
    keys = ("id", "username", "followers")
    return {"accounts": [{k: account.get(k) for k in keys}]}


def from_settings(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], workspace_id: str
) -> IntegrationAdapter:
    if settings.integration_adapter == "live":
        from gateway.adapters.integrations_live import LiveIntegrations
        from gateway.adapters.platform_posts import PlatformPosts

        return LiveIntegrations(
            timeout=settings.integration_timeout_seconds,
            platforms=PlatformPosts.from_settings(settings),
        )
    return SandboxIntegrations(sessions, workspace_id)
