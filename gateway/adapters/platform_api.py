"""What publishing on a social platform's API takes and answers (platform_posts.py makes
the calls): the post, the account's token, the receipt, and the platforms' failures mapped
to one `PlatformError` carrying the platform's own message. `temporary` (429, 5xx, a
network failure, or what the platform flags as transient) is worth retrying; anything
else is final. Base URLs come from settings, so a test points them at a local server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from gateway.settings import Settings


# Graph API error codes that mean "try again later" (throttling, temporary outages), which
# Facebook and Instagram answer with HTTP 400 rather than 429.
_GRAPH_TEMPORARY_CODES = {1, 2, 4, 17, 32, 341, 613}
# Google's reasons for a 403 that a later attempt can get past.
_GOOGLE_TEMPORARY_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}


@dataclass(frozen=True)
class Media:
    type: str  # "image" or "video"
    url: str


@dataclass(frozen=True)
class PlatformPost:
    platform: str
    text: str  # the caption or body, hashtags included
    title: str | None = None
    media: tuple[Media, ...] = ()
    post_type: str = "text"  # spec 004's postType: reel and story pick the platform's kind


@dataclass(frozen=True)
class Account:
    access_token: str
    # The platform's id of the account: the Facebook page, the Instagram professional
    # account, the LinkedIn member or organization (an urn or the OpenID `sub`).
    external_id: str | None = None


@dataclass(frozen=True)
class Receipt:
    external_id: str
    url: str | None


class PlatformError(Exception):
    def __init__(self, message: str, *, status: int | None = None, temporary: bool = False):
        super().__init__(message)
        self.status, self.temporary = status, temporary


@dataclass(frozen=True)
class BaseUrls:
    twitter: str = "https://api.twitter.com"
    linkedin: str = "https://api.linkedin.com"
    graph: str = "https://graph.facebook.com/v19.0"  # Facebook pages
    # Instagram with Instagram Login (the token social_accounts.py obtains); the same
    # content-publishing edges live on graph.facebook.com for Facebook Login tokens.
    instagram: str = "https://graph.instagram.com/v21.0"
    tiktok: str = "https://open.tiktokapis.com"
    youtube: str = "https://www.googleapis.com"
    wordpress: str = "https://public-api.wordpress.com"

    @classmethod
    def from_settings(cls, settings: Settings) -> BaseUrls:
        return cls(
            twitter=settings.twitter_api_base_url.rstrip("/"),
            linkedin=settings.linkedin_api_base_url.rstrip("/"),
            graph=settings.facebook_graph_base_url.rstrip("/"),
            instagram=settings.instagram_graph_base_url.rstrip("/"),
            tiktok=settings.tiktok_api_base_url.rstrip("/"),
            youtube=settings.youtube_api_base_url.rstrip("/"),
            wordpress=settings.wordpress_api_base_url.rstrip("/"),
        )


class Api:
    """One platform's HTTP calls within a publication, with its failures mapped."""

    def __init__(self, http: httpx.AsyncClient, platform: str, urls: BaseUrls) -> None:
        self.http, self.platform, self.urls = http, platform, urls

    async def call(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, url, **kw)
        except httpx.TimeoutException:
            raise PlatformError(f"{self.platform} timed out", temporary=True) from None
        except httpx.HTTPError as exc:
            raise PlatformError(f"{self.platform} unreachable: {exc}", temporary=True) from None
        if response.status_code >= 400:
            raise self.refusal(response)
        return response

    async def json(self, method: str, url: str, **kw: Any) -> dict[str, Any]:
        response = await self.call(method, url, **kw)
        return body_of(response)

    def refusal(self, response: httpx.Response) -> PlatformError:
        body, status = body_of(response), response.status_code
        return PlatformError(
            f"{self.platform} answered {status}: {message_of(body) or response.reason_phrase}",
            status=status,
            temporary=status == 429 or status >= 500 or _flagged_temporary(body),
        )


def body_of(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json() if response.content else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def message_of(body: dict[str, Any]) -> str | None:
    """The platform's own words: Graph/TikTok/Google `error.message`, X `detail` or
    `errors[0].message`, LinkedIn `message`."""
    error = body.get("error")
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    if isinstance(error, str):  # OAuth-style and WordPress.com: {"error": code, ...}
        return body.get("message") or body.get("error_description") or error
    for key in ("detail", "message", "title"):
        if body.get(key):
            return str(body[key])
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0].get("message")
    return None


def _flagged_temporary(body: dict[str, Any]) -> bool:
    error = body.get("error")
    if not isinstance(error, dict):
        return False
    if error.get("is_transient") or error.get("code") in _GRAPH_TEMPORARY_CODES:
        return True
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    return bool(reasons & _GOOGLE_TEMPORARY_REASONS)
