"""The providers' own APIs over httpx (INTEGRATION_ADAPTER=live), behind the interface in
integrations.py: the OAuth 2.0 authorization-code flow (RFC 6749) as each provider names
its parameters, token revocation (RFC 7009) where the provider has it, an authenticated
read of the account as the connection check and the sync, and publishing through
platform_posts.py to every provider it knows (TikTok's Content Posting API, pulling the
video from its URL; WordPress.com's REST API for blog posts); the others refuse."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from gateway.adapters.integrations import (
    Check,
    Provider,
    ProviderError,
    Publication,
    Published,
    SyncResult,
    Tokens,
    authorization_url,
    config_of,
)
from gateway.adapters.platform_api import Account, Media, PlatformError, PlatformPost
from gateway.adapters.platform_posts import PlatformPosts


class LiveIntegrations:
    name = "live"

    def __init__(self, *, timeout: float, platforms: PlatformPosts) -> None:
        self.timeout, self.platforms = timeout, platforms

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout)

    def authorization_url(
        self, provider: Provider, *, client_id: str, redirect_uri: str, state: str
    ) -> str:
        return authorization_url(
            provider, client_id=client_id, redirect_uri=redirect_uri, state=state
        )

    async def exchange_code(
        self, provider: Provider, *, code: str, client: dict[str, str], redirect_uri: str
    ) -> Tokens:
        form = {
            provider.client_id_param: client.get("id", ""),
            "client_secret": client.get("secret", ""),
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
        }
        payload = await self._call("POST", provider.token_url, data=form)
        token = payload.get("access_token")
        if not isinstance(token, str):
            raise ProviderError(f"{provider.name} answered no access token")
        expires_in = payload.get("expires_in")
        account = await self._account(provider, token)
        return Tokens(
            access_token=token,
            refresh_token=payload.get("refresh_token"),
            expires_at=datetime.now(UTC) + timedelta(seconds=int(expires_in))
            if isinstance(expires_in, int | float)
            else None,
            scope=payload.get("scope"),
            account=account,
        )

    async def revoke(self, provider: Provider, credentials: dict[str, Any]) -> None:
        if provider.revoke_url is None:
            return  # the provider has no revocation endpoint: forgetting the token is all
        client = credentials.get("client") or {}
        form = {
            "token": credentials.get("access_token", ""),
            provider.client_id_param: client.get("id", ""),
            "client_secret": client.get("secret", ""),
        }
        await self._call("POST", provider.revoke_url, data=form)

    async def check(self, provider: Provider, credentials: dict[str, Any] | None) -> Check:
        token = (credentials or {}).get("access_token")
        started = time.perf_counter()
        try:
            async with self._client() as http:
                response = await http.get(
                    provider.check_url, headers={"Authorization": f"Bearer {token or ''}"}
                )
        except httpx.HTTPError as exc:
            latency = round((time.perf_counter() - started) * 1000)
            return Check("failed", "failed", "failed", latency, f"unreachable: {exc}")
        latency = round((time.perf_counter() - started) * 1000)
        authenticated = response.status_code != 401
        permitted = authenticated and response.status_code != 403
        return Check(
            connection="ok",
            authentication="ok" if authenticated else "failed",
            permissions="ok" if permitted and response.status_code < 400 else "failed",
            latency_ms=latency,
            message=None if response.status_code < 400 else f"HTTP {response.status_code}",
        )

    async def sync(
        self,
        provider: Provider,
        credentials: dict[str, Any],
        *,
        full: bool,
        published: list[tuple[str, str]],
    ) -> SyncResult:
        account = await self._account(provider, str(credentials.get("access_token", "")))
        return SyncResult(config=config_of(provider, account))

    async def publish(
        self, provider: Provider, credentials: dict[str, Any], item: Publication
    ) -> Published:
        if not self.platforms.supports(provider.key):
            raise ProviderError(f"publishing to {provider.name} is not available")
        if provider.key == "tiktok" and not item.media_urls:
            raise ProviderError("a TikTok post needs a video URL in mediaUrls")
        account = credentials.get("account") or {}
        # Spec 003's TikTok items are videos; a blog's media are its images. Its media URLs
        # carry no type of their own.
        kind = "video" if provider.key == "tiktok" else "image"
        post = PlatformPost(
            platform=provider.key,
            text=item.body or item.title,
            title=item.title,
            media=tuple(Media(kind, url) for url in item.media_urls),
        )
        token = str(credentials.get("access_token", ""))
        # Where the post goes: the blog's site (WordPress), else the account itself.
        target = account.get("site") or account.get("id")
        external = str(target) if target else None
        try:
            receipt = await self.platforms.publish(post, Account(token, external))
        except PlatformError as exc:
            raise ProviderError(str(exc), temporary=exc.temporary) from exc
        return Published(external_id=receipt.external_id, url=receipt.url)

    async def _account(self, provider: Provider, token: str) -> dict[str, Any]:
        payload = await self._call(
            "GET", provider.check_url, headers={"Authorization": f"Bearer {token}"}
        )
        data = payload.get("data", payload)
        user = data.get("user", data) if isinstance(data, dict) else {}
        return {
            "id": user.get("open_id") or user.get("id") or user.get("ID") or user.get("user_id"),
            "site": user.get("primary_blog"),  # WordPress.com: where blog posts go
            "username": user.get("display_name") or user.get("username") or user.get("name"),
            "followers": user.get("follower_count"),
            "email": user.get("emailAddress") or user.get("email"),
        }

    async def _call(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        try:
            async with self._client() as http:
                response = await http.request(method, url, **kw)
        except httpx.TimeoutException:
            raise ProviderError(f"{url} timed out", temporary=True) from None
        except httpx.HTTPError as exc:
            raise ProviderError(f"{url} unreachable: {exc}", temporary=True) from None
        if response.status_code >= 400:
            raise ProviderError(
                f"{url} answered {response.status_code}",
                temporary=response.status_code >= 500 or response.status_code == 429,
            )
        try:
            payload = response.json() if response.content else {}
        except ValueError:
            raise ProviderError(f"{url} answered something other than JSON") from None
        return payload if isinstance(payload, dict) else {}
