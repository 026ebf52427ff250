"""Publishing a post on each social platform's own API over httpx, the request shapes as
each platform documents them:

- twitter: X API v2 `POST /2/tweets` {"text"}; the first media URL rides in the text as a
  link (X renders it as a card; uploading media is a separate API the gateway does not use).
- linkedin: Posts API `POST /rest/posts` (the successor of UGC posts) with `LinkedIn-Version`
  and Rest.li 2.0 headers; media go as an article link. The id is the `x-restli-id` header.
- facebook: Graph API page edges: `/{page}/photos` {url, caption} for an image,
  `/{page}/videos` {file_url, description} for a video, `/{page}/feed` {message} otherwise.
- instagram: Instagram Graph API content publishing: a container `/{ig-user}/media` (image_url, or
  REELS / STORIES video_url, or CAROUSEL of child containers), processing polled for
  videos (`status_code`), then `/{ig-user}/media_publish` {creation_id}.
- tiktok: Content Posting API, pulling from the URL: `/v2/post/publish/video/init/` for a
  video, `/v2/post/publish/content/init/` (media_type PHOTO) for images.
- youtube: Data API v3 resumable upload: `POST /upload/youtube/v3/videos?uploadType=resumable`
  with the snippet, then the video streamed from its URL to the session's `Location`.
- wordpress (spec 003's blog posts): WordPress.com REST v1.1
  `POST /rest/v1.1/sites/{site}/posts/new` {title, content, status=publish, media_urls[]}.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import httpx

from gateway.adapters.platform_api import (
    Account,
    Api,
    BaseUrls,
    Media,
    PlatformError,
    PlatformPost,
    Receipt,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from gateway.settings import Settings

# TikTok: unaudited API clients may only post privately; an audited one can say PUBLIC_TO_EVERYONE.
TIKTOK_PRIVACY = "SELF_ONLY"


class PlatformPosts:
    def __init__(
        self,
        urls: BaseUrls,
        *,
        timeout: float,
        linkedin_version: str = "202505",
        container_polls: int = 10,
        poll_seconds: float = 2.0,
    ) -> None:
        self.urls, self.timeout, self.linkedin_version = urls, timeout, linkedin_version
        # Instagram processes a video container before it can be published.
        self.container_polls, self.poll_seconds = container_polls, poll_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> PlatformPosts:
        return cls(
            BaseUrls.from_settings(settings),
            timeout=settings.integration_timeout_seconds,
            linkedin_version=settings.linkedin_api_version,
            poll_seconds=settings.instagram_poll_seconds,
        )

    def supports(self, platform: str) -> bool:
        return platform in self._publishers()

    async def publish(self, post: PlatformPost, account: Account) -> Receipt:
        publisher = self._publishers().get(post.platform)
        if publisher is None:
            raise PlatformError(f"publishing to {post.platform} is not supported")
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            return await publisher(Api(http, post.platform, self.urls), post, account)

    def _publishers(
        self,
    ) -> dict[str, Callable[[Api, PlatformPost, Account], Awaitable[Receipt]]]:
        return {
            "twitter": self._twitter,
            "linkedin": self._linkedin,
            "facebook": self._facebook,
            "instagram": self._instagram,
            "tiktok": self._tiktok,
            "youtube": self._youtube,
            "wordpress": self._wordpress,
        }

    async def _twitter(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        text = " ".join([post.text, *(m.url for m in post.media[:1])]).strip()
        body = await api.json(
            "POST", f"{api.urls.twitter}/2/tweets", json={"text": text}, headers=_bearer(account)
        )
        tweet_id = (body.get("data") or {}).get("id")
        if not tweet_id:
            raise PlatformError("twitter answered no tweet id")
        return Receipt(str(tweet_id), f"https://x.com/i/web/status/{tweet_id}")

    async def _linkedin(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        author = _required_id(account, "linkedin", "member or organization")
        if not author.startswith("urn:li:"):
            author = f"urn:li:person:{author}"
        body: dict[str, Any] = {
            "author": author,
            "commentary": post.text,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if post.media:
            article = {"source": post.media[0].url, "title": post.title or post.text[:200]}
            body["content"] = {"article": article}
        headers = {
            **_bearer(account),
            "LinkedIn-Version": self.linkedin_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        response = await api.call(
            "POST", f"{api.urls.linkedin}/rest/posts", json=body, headers=headers
        )
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise PlatformError("linkedin answered no post urn")
        return Receipt(urn, f"https://www.linkedin.com/feed/update/{urn}/")

    async def _facebook(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        page = _required_id(account, "facebook", "page")
        token = {"access_token": account.access_token}
        first = post.media[0] if post.media else None
        if first and first.type == "video":
            form = {"file_url": first.url, "description": post.text, **token}
            edge = "videos"
        elif first:
            form, edge = {"url": first.url, "caption": post.text, **token}, "photos"
        else:
            form, edge = {"message": post.text, **token}, "feed"
        body = await api.json("POST", f"{api.urls.graph}/{page}/{edge}", data=form)
        post_id = body.get("post_id") or body.get("id")
        if not post_id:
            raise PlatformError("facebook answered no post id")
        return Receipt(str(post_id), f"https://www.facebook.com/{post_id}")

    async def _instagram(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        user = _required_id(account, "instagram", "professional account")
        if not post.media:
            raise PlatformError("an Instagram post needs an image or a video")
        token = {"access_token": account.access_token}
        media_url = f"{api.urls.instagram}/{user}/media"
        if len(post.media) > 1:
            children = []
            for item in post.media[:10]:  # Instagram's carousel limit
                child = {"is_carousel_item": "true", **_ig_source(item, "VIDEO"), **token}
                children.append(await self._container(api, media_url, child, item.type))
            form = {"media_type": "CAROUSEL", "children": ",".join(children)}
            container = await self._container(
                api, media_url, {**form, "caption": post.text, **token}, "carousel"
            )
        else:
            item = post.media[0]
            kind = "STORIES" if post.post_type == "story" else "REELS"
            form = {**_ig_source(item, kind), **token}
            if post.post_type != "story":
                form["caption"] = post.text
            container = await self._container(api, media_url, form, item.type)
        body = await api.json(
            "POST",
            f"{api.urls.instagram}/{user}/media_publish",
            data={"creation_id": container, **token},
        )
        if not body.get("id"):
            raise PlatformError("instagram answered no media id")
        return Receipt(str(body["id"]), None)

    async def _container(self, api: Api, url: str, form: dict[str, str], kind: str) -> str:
        body = await api.json("POST", url, data=form)
        container = body.get("id")
        if not container:
            raise PlatformError("instagram answered no container id")
        if kind == "image":
            return str(container)
        for _ in range(self.container_polls):  # videos (and carousels holding them) process
            state = await api.json(
                "GET",
                f"{api.urls.instagram}/{container}",
                params={"fields": "status_code", "access_token": form["access_token"]},
            )
            status = state.get("status_code")
            if status in ("FINISHED", "PUBLISHED"):
                return str(container)
            if status in ("ERROR", "EXPIRED"):
                raise PlatformError(f"instagram could not process the media ({status})")
            await asyncio.sleep(self.poll_seconds)
        raise PlatformError("instagram is still processing the media", temporary=True)

    async def _tiktok(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        videos = [m.url for m in post.media if m.type == "video"]
        images = [m.url for m in post.media if m.type == "image"]
        caption = post.title or post.text
        if videos:
            url = f"{api.urls.tiktok}/v2/post/publish/video/init/"
            body: dict[str, Any] = {
                "post_info": {"title": caption[:150], "privacy_level": TIKTOK_PRIVACY},
                "source_info": {"source": "PULL_FROM_URL", "video_url": videos[0]},
            }
        elif images:
            url = f"{api.urls.tiktok}/v2/post/publish/content/init/"
            body = {
                "post_info": {
                    "title": caption[:90],
                    "description": post.text[:4000],
                    "privacy_level": TIKTOK_PRIVACY,
                },
                "source_info": {
                    "source": "PULL_FROM_URL",
                    "photo_cover_index": 0,
                    "photo_images": images[:35],
                },
                "post_mode": "DIRECT_POST",
                "media_type": "PHOTO",
            }
        else:
            raise PlatformError("a TikTok post needs a video or images")
        answer = await api.json("POST", url, json=body, headers=_bearer(account))
        error = answer.get("error") or {}
        if error.get("code") not in (None, "ok"):
            raise PlatformError(f"tiktok refused the post: {error.get('message') or error['code']}")
        publish_id = (answer.get("data") or {}).get("publish_id")
        if not publish_id:
            raise PlatformError("tiktok answered no publish_id")
        return Receipt(str(publish_id), None)

    async def _youtube(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        video = next((m for m in post.media if m.type == "video"), None)
        if video is None:
            raise PlatformError("a YouTube post needs a video")
        metadata = {
            "snippet": {
                "title": (post.title or post.text)[:100] or "Untitled",
                "description": post.text[:5000],
            },
            "status": {"privacyStatus": "public"},
        }
        session = await api.call(
            "POST",
            f"{api.urls.youtube}/upload/youtube/v3/videos",
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=metadata,
            headers={**_bearer(account), "X-Upload-Content-Type": "video/*"},
        )
        location = session.headers.get("location")
        if not location:
            raise PlatformError("youtube answered no upload location")
        uploaded = await _stream_video(api, video.url, location, account)
        if not uploaded.get("id"):
            raise PlatformError("youtube answered no video id")
        return Receipt(str(uploaded["id"]), f"https://www.youtube.com/watch?v={uploaded['id']}")

    async def _wordpress(self, api: Api, post: PlatformPost, account: Account) -> Receipt:
        site = _required_id(account, "wordpress", "site")
        form: dict[str, str | list[str]] = {
            "title": post.title or "",
            "content": post.text,
            "status": "publish",
        }
        if post.media:
            form["media_urls[]"] = [m.url for m in post.media]  # sideloaded into the library
        body = await api.json(
            "POST",
            f"{api.urls.wordpress}/rest/v1.1/sites/{site}/posts/new",
            data=form,
            headers=_bearer(account),
        )
        if not body.get("ID"):
            raise PlatformError("wordpress answered no post ID")
        return Receipt(str(body["ID"]), body.get("URL"))


async def _stream_video(api: Api, source: str, location: str, account: Account) -> dict[str, Any]:
    """The video goes from its URL to YouTube in chunks, never whole in memory."""
    try:
        async with api.http.stream("GET", source) as media:
            if media.status_code >= 400:
                raise PlatformError(
                    f"the video at {source} answered {media.status_code}",
                    temporary=media.status_code >= 500,
                )
            headers = {
                **_bearer(account),
                "Content-Type": media.headers.get("content-type", "video/*"),
            }
            if "content-length" in media.headers:
                headers["Content-Length"] = media.headers["content-length"]
            return await api.json("PUT", location, content=media.aiter_bytes(), headers=headers)
    except httpx.HTTPError as exc:
        raise PlatformError(
            f"the video at {source} could not be read: {exc}", temporary=True
        ) from None


def _ig_source(item: Media, video_kind: str) -> dict[str, str]:
    if item.type == "video":
        return {"media_type": video_kind, "video_url": item.url}
    if video_kind == "STORIES":
        return {"media_type": "STORIES", "image_url": item.url}
    return {"image_url": item.url}


def _bearer(account: Account) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.access_token}"}


def _required_id(account: Account, platform: str, what: str) -> str:
    if not account.external_id:
        raise PlatformError(f"the connected {platform} account has no {what} id: connect it again")
    return account.external_id
