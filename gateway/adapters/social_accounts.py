"""Connecting spec 004 social accounts: exchange an OAuth authorization code for tokens and
fetch the account's profile, per platform, behind one Protocol.

`sandbox` (the default, what the demo and tests use: this machine reaches no social network)
answers deterministically from the code and records each call (models/sandbox.py); the code
`denied` is refused as a platform would. `live` calls each platform's token and profile
endpoints with httpx, using the client credentials in SOCIAL_OAUTH_CLIENTS. Chosen by
INTEGRATION_ADAPTER, like the other integrations.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import orjson

from gateway.adapters import sandbox

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from gateway.settings import Settings

PERMISSIONS = ["read", "write", "publish"]


@dataclass(frozen=True)
class Profile:
    external_id: str
    username: str
    display_name: str | None
    followers: int


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    profile: Profile
    permissions: list[str] = field(default_factory=lambda: list(PERMISSIONS))


class ConnectError(Exception):
    """The platform refused the code (or could not be reached: `temporary`)."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class SocialAuthAdapter(Protocol):
    name: str

    async def connect(self, platform: str, *, code: str, redirect_uri: str) -> Grant: ...


class SandboxSocialAuth:
    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: str) -> None:
        self.sessions, self.workspace_id = sessions, workspace_id

    async def connect(self, platform: str, *, code: str, redirect_uri: str) -> Grant:
        payload = {"platform": platform, "redirect_uri": redirect_uri}
        if code == "denied":
            await self._record("exchange_code", payload, {"error": "access_denied"})
            raise ConnectError("the user declined access (access_denied)")
        seed = hashlib.sha256(f"{self.workspace_id}|{platform}|{code}".encode()).hexdigest()
        profile = Profile(
            external_id=f"{platform[:2]}_{seed[:10]}",
            username=f"sandbox-{platform}-{seed[:6]}",
            display_name=f"Sandbox {platform.title()} Account",
            followers=1000 + int(seed[:8], 16) % 50_000,
        )
        grant = Grant(
            access_token=f"sbx_at_{seed[:32]}",
            refresh_token=f"sbx_rt_{seed[32:64]}",
            expires_at=datetime.now(UTC) + timedelta(days=60),
            profile=profile,
        )
        await self._record("exchange_code", payload, {"profile": profile.__dict__})
        return grant

    async def _record(self, action: str, payload: dict[str, Any], outcome: Any) -> None:
        await sandbox.record(
            self.sessions,
            workspace_id=self.workspace_id,
            adapter="social_auth",
            action=action,
            payload=payload,
            outcome=outcome,
        )


@dataclass(frozen=True)
class Endpoints:
    token_url: str
    profile_url: str


# Each platform's OAuth 2.0 token endpoint and the profile it reads after.
ENDPOINTS = {
    "linkedin": Endpoints(
        "https://www.linkedin.com/oauth/v2/accessToken", "https://api.linkedin.com/v2/userinfo"
    ),
    "facebook": Endpoints(
        "https://graph.facebook.com/v19.0/oauth/access_token",
        "https://graph.facebook.com/v19.0/me?fields=id,name,followers_count",
    ),
    "instagram": Endpoints(
        "https://api.instagram.com/oauth/access_token",
        "https://graph.instagram.com/me?fields=id,username,followers_count",
    ),
    "twitter": Endpoints(
        "https://api.twitter.com/2/oauth2/token",
        "https://api.twitter.com/2/users/me?user.fields=public_metrics",
    ),
    "tiktok": Endpoints(
        "https://open.tiktokapis.com/v2/oauth/token/",
        "https://open.tiktokapis.com/v2/user/info/?fields=open_id,display_name,follower_count",
    ),
    "youtube": Endpoints(
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/youtube/v3/channels?part=snippet,statistics&mine=true",
    ),
}


def _profile(platform: str, body: dict[str, Any]) -> Profile:
    """The fields each platform names differently, read into one Profile."""
    data = body.get("data", body)
    if isinstance(data, dict) and "user" in data:
        data = data["user"]  # TikTok
    if platform == "youtube":
        item = (body.get("items") or [{}])[0]
        snippet, stats = item.get("snippet", {}), item.get("statistics", {})
        return Profile(
            str(item.get("id", "")),
            snippet.get("customUrl") or snippet.get("title", ""),
            snippet.get("title"),
            int(stats.get("subscriberCount", 0)),
        )
    metrics = data.get("public_metrics", {})
    return Profile(
        external_id=str(data.get("id") or data.get("sub") or data.get("open_id", "")),
        username=str(data.get("username") or data.get("name") or data.get("display_name", "")),
        display_name=data.get("name") or data.get("display_name"),
        followers=int(
            data.get("followers_count")
            or data.get("follower_count")
            or metrics.get("followers_count", 0)
        ),
    )


class LiveSocialAuth:
    name = "live"

    def __init__(
        self,
        clients: dict[str, dict[str, str]],
        *,
        timeout: float,
        endpoints: dict[str, Endpoints] | None = None,
        graph_base_url: str = "https://graph.facebook.com/v19.0",
    ) -> None:
        self.clients, self.timeout = clients, timeout
        self.endpoints = endpoints or ENDPOINTS
        self.graph_base_url = graph_base_url.rstrip("/")

    async def connect(self, platform: str, *, code: str, redirect_uri: str) -> Grant:
        client, endpoints = self.clients.get(platform), self.endpoints[platform]
        if not client:
            raise ConnectError(f"no OAuth client is configured for {platform}")
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client["id"],
            "client_secret": client["secret"],
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                token = await http.post(endpoints.token_url, data=form)
                if token.status_code >= 400:
                    raise ConnectError(f"{platform} refused the code ({token.status_code})")
                tokens = token.json()
                me = await http.get(
                    endpoints.profile_url,
                    headers={"Authorization": f"Bearer {tokens['access_token']}"},
                )
                me.raise_for_status()
                if platform == "facebook":
                    return await self._page(http, tokens["access_token"])
        except httpx.HTTPError as exc:
            raise ConnectError(f"{platform} could not be reached: {exc}", temporary=True) from exc
        expires_in = tokens.get("expires_in")
        return Grant(
            access_token=tokens["access_token"],
            refresh_token=tokens.get("refresh_token"),
            expires_at=datetime.now(UTC) + timedelta(seconds=int(expires_in))
            if expires_in
            else None,
            profile=_profile(platform, me.json()),
        )

    async def _page(self, http: httpx.AsyncClient, user_token: str) -> Grant:
        """Facebook posts go to a page, as the page: the first page the person manages,
        with its own token (a page token from a user's login does not expire)."""
        pages = await http.get(
            f"{self.graph_base_url}/me/accounts",
            params={"fields": "id,name,access_token,followers_count"},
            headers={"Authorization": f"Bearer {user_token}"},
        )
        pages.raise_for_status()
        page = next((p for p in pages.json().get("data", []) if p.get("access_token")), None)
        if page is None:
            raise ConnectError("the Facebook account manages no page to publish to")
        return Grant(
            access_token=page["access_token"],
            refresh_token=None,
            expires_at=None,
            profile=Profile(
                str(page["id"]),
                page.get("name", ""),
                page.get("name"),
                int(page.get("followers_count") or 0),
            ),
        )


def from_settings(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], workspace_id: str
) -> SocialAuthAdapter:
    if settings.integration_adapter == "live":
        raw = settings.social_oauth_clients
        clients = orjson.loads(raw.get_secret_value()) if raw else {}
        return LiveSocialAuth(
            clients,
            timeout=settings.integration_timeout_seconds,
            graph_base_url=settings.facebook_graph_base_url,
        )
    return SandboxSocialAuth(sessions, workspace_id)
