"""Publishing a spec 004 post on its platform, per platform, behind one Protocol.

`sandbox` (the default; this machine reaches no social network) records each call
(models/sandbox.py) and answers a deterministic post id; media hosted at
unavailable.example.test fail temporarily (retried), at rejected.example.test for good, so
failures can be shown and tested. `live` (INTEGRATION_ADAPTER=live) publishes on the
platform's own API (platform_posts.py) with the connected account's opened token.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from gateway.adapters import sandbox
from gateway.adapters.integrations import REJECTED_HOST, UNAVAILABLE_HOST
from gateway.adapters.platform_api import Account, Media, PlatformError, PlatformPost
from gateway.adapters.platform_posts import PlatformPosts

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from gateway.settings import Settings


@dataclass(frozen=True)
class PostPublication:
    workspace_id: str
    post_id: str
    platform: str
    title: str | None
    content: str
    media_urls: tuple[str, ...]
    hashtags: tuple[str, ...]
    idempotency_key: str
    media_types: tuple[str, ...] = ()  # per media URL: image or video
    post_type: str = "text"


@dataclass(frozen=True)
class PublishedPost:
    external_id: str
    url: str | None


class PublishError(Exception):
    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class SocialPublisher(Protocol):
    name: str

    async def publish(self, post: PostPublication, account: Account | None) -> PublishedPost: ...


class SandboxPublisher:
    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def publish(self, post: PostPublication, account: Account | None) -> PublishedPost:
        hosts = {urlsplit(url).hostname for url in post.media_urls}
        payload = {**asdict(post), "media_urls": list(post.media_urls)}
        payload["hashtags"] = list(post.hashtags)
        if REJECTED_HOST in hosts:
            await self._record(post, payload, {"error": "rejected"})
            raise PublishError(f"{post.platform} rejected the media at {REJECTED_HOST}")
        if UNAVAILABLE_HOST in hosts:
            await self._record(post, payload, {"error": "unavailable"})
            raise PublishError(f"{post.platform} is unavailable (503)", temporary=True)
        digest = hashlib.sha256(post.idempotency_key.encode()).hexdigest()[:12]
        external = f"{post.platform}_{digest}"
        published = PublishedPost(external, f"https://{post.platform}.example.test/p/{external}")
        await self._record(post, payload, asdict(published))
        return published

    async def _record(self, post: PostPublication, payload: dict, outcome: dict) -> None:
        await sandbox.record(
            self.sessions,
            workspace_id=post.workspace_id,
            adapter=f"social_publish:{post.platform}",
            action="publish",
            payload=payload,
            outcome=outcome,
        )


class LivePublisher:
    name = "live"

    def __init__(self, client: PlatformPosts) -> None:
        self.client = client

    async def publish(self, post: PostPublication, account: Account | None) -> PublishedPost:
        if account is None:
            raise PublishError(f"no connected {post.platform} account to publish with")
        try:
            receipt = await self.client.publish(_platform_post(post), account)
        except PlatformError as exc:
            raise PublishError(str(exc), temporary=exc.temporary) from exc
        return PublishedPost(receipt.external_id, receipt.url)


def _platform_post(post: PostPublication) -> PlatformPost:
    # Hashtags the text does not carry yet go at its end, as people write them.
    missing = [tag for tag in post.hashtags if tag not in post.content]
    text = " ".join([post.content.strip(), *missing]).strip()
    types = post.media_types or ("image",) * len(post.media_urls)
    media = tuple(Media(kind, url) for kind, url in zip(types, post.media_urls, strict=False))
    return PlatformPost(post.platform, text, post.title, media, post.post_type)


def from_settings(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> SocialPublisher:
    if settings.integration_adapter == "live":
        return LivePublisher(PlatformPosts.from_settings(settings))
    return SandboxPublisher(sessions)
