"""Publishing a spec 004 post on its platform, per platform, behind one Protocol.

`sandbox` (the default; this machine reaches no social network) records each call
(models/sandbox.py) and answers a deterministic post id; media hosted at
unavailable.example.test fail temporarily (retried), at rejected.example.test for good, so
failures can be shown and tested. A live adapter implements the same Protocol with the
platform's API and the account's opened access token.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from gateway.adapters import sandbox
from gateway.adapters.integrations import REJECTED_HOST, UNAVAILABLE_HOST

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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


@dataclass(frozen=True)
class PublishedPost:
    external_id: str
    url: str


class PublishError(Exception):
    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class SocialPublisher(Protocol):
    name: str

    async def publish(self, post: PostPublication, access_token: str | None) -> PublishedPost: ...


class SandboxPublisher:
    name = "sandbox"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def publish(self, post: PostPublication, access_token: str | None) -> PublishedPost:
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


def from_settings(settings: object, sessions: async_sessionmaker[AsyncSession]) -> SocialPublisher:
    """Only the sandbox ships today; INTEGRATION_ADAPTER=live has no social publisher yet."""
    return SandboxPublisher(sessions)
