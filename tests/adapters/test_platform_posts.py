"""Publishing on each platform's own API (gateway/adapters/platform_posts.py), against a
local server on 127.0.0.1 that records what arrived: each platform's request shape and
the parsing of its answer, and its failures mapped to retryable or final with the
platform's own message."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.adapters.platform_api import Account, Media, PlatformError, PlatformPost
from gateway.adapters.platform_posts import PlatformPosts
from tests.utils.platform_server import VIDEO_BYTES, PlatformServer, platform_server

IMAGE = Media("image", "https://cdn.example.test/harvest.jpg")


@pytest.fixture
async def server() -> AsyncIterator[PlatformServer]:
    async with platform_server() as running:
        yield running


@pytest.fixture
def client(server: PlatformServer) -> PlatformPosts:
    return PlatformPosts(server.urls, timeout=5, linkedin_version="202505", poll_seconds=0)


def _post(platform: str, *media: Media, **kw) -> PlatformPost:  # type: ignore[no-untyped-def]
    return PlatformPost(platform, "Orchard open day #harvest", "Open day", tuple(media), **kw)


async def test_twitter_tweets_the_text_with_the_media_link(server, client):
    receipt = await client.publish(_post("twitter", IMAGE), Account("at-x"))
    (seen,) = server.requests("/2/tweets")
    assert seen.method == "POST" and seen.headers["authorization"] == "Bearer at-x"
    assert seen.json == {"text": f"Orchard open day #harvest {IMAGE.url}"}
    assert receipt.external_id.startswith("18")
    assert receipt.url == f"https://x.com/i/web/status/{receipt.external_id}"


async def test_linkedin_posts_as_the_member_with_the_version_headers(server, client):
    receipt = await client.publish(_post("linkedin", IMAGE), Account("at-li", "m4Q9x"))
    (seen,) = server.requests("/rest/posts")
    assert seen.headers["linkedin-version"] == "202505"
    assert seen.headers["x-restli-protocol-version"] == "2.0.0"
    assert seen.headers["authorization"] == "Bearer at-li"
    assert seen.json == {
        "author": "urn:li:person:m4Q9x",
        "commentary": "Orchard open day #harvest",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
        "content": {"article": {"source": IMAGE.url, "title": "Open day"}},
    }
    assert receipt.external_id.startswith("urn:li:share:")  # from the x-restli-id header
    assert receipt.url == f"https://www.linkedin.com/feed/update/{receipt.external_id}/"


async def test_linkedin_keeps_an_organization_urn(server, client):
    await client.publish(_post("linkedin"), Account("at", "urn:li:organization:42"))
    (seen,) = server.requests("/rest/posts")
    assert seen.json["author"] == "urn:li:organization:42" and "content" not in seen.json


async def test_facebook_picks_the_page_edge_by_media(server, client):
    page = Account("page-token", "1020")
    text_only = await client.publish(_post("facebook"), page)
    photo = await client.publish(_post("facebook", IMAGE), page)
    video = await client.publish(
        _post("facebook", Media("video", "https://cdn.example.test/v.mp4")), page
    )
    feed, photos, videos = (
        server.requests(f"/graph/1020/{e}") for e in ("feed", "photos", "videos")
    )
    assert feed[0].form == {"message": "Orchard open day #harvest", "access_token": "page-token"}
    assert photos[0].form == {
        "url": IMAGE.url,
        "caption": "Orchard open day #harvest",
        "access_token": "page-token",
    }
    assert videos[0].form["file_url"] == "https://cdn.example.test/v.mp4"
    assert text_only.external_id.startswith("1020_77")
    assert photo.external_id.startswith("1020_66")  # the post, not the photo
    assert video.external_id.startswith("88")
    assert photo.url == f"https://www.facebook.com/{photo.external_id}"


async def test_instagram_creates_a_container_then_publishes_it(server, client):
    receipt = await client.publish(_post("instagram", IMAGE), Account("ig-token", "1784"))
    created, published = server.requests("/ig/1784/media"), server.requests("/media_publish")
    assert created[0].form == {
        "image_url": IMAGE.url,
        "caption": "Orchard open day #harvest",
        "access_token": "ig-token",
    }
    assert published[0].form == {"creation_id": "container_1", "access_token": "ig-token"}
    assert receipt.external_id.startswith("1790") and receipt.url is None


async def test_instagram_waits_for_a_reel_to_be_processed(server, client):
    server.processing = ["IN_PROGRESS", "IN_PROGRESS"]
    reel = Media("video", "https://cdn.example.test/reel.mp4")
    await client.publish(_post("instagram", reel, post_type="reel"), Account("t", "1784"))
    (created,) = server.requests("/ig/1784/media")
    assert created.form["media_type"] == "REELS" and created.form["video_url"] == reel.url
    polls = [s for s in server.seen if s.method == "GET" and s.path.startswith("/ig/container_")]
    assert len(polls) == 3 and polls[0].query["fields"] == "status_code"
    assert len(server.requests("/media_publish")) == 1


async def test_instagram_still_processing_is_retryable_and_publishes_nothing(server, client):
    server.processing = ["IN_PROGRESS"] * 20
    reel = Media("video", "https://cdn.example.test/reel.mp4")
    with pytest.raises(PlatformError) as failed:
        await client.publish(_post("instagram", reel), Account("t", "1784"))
    assert failed.value.temporary and server.requests("/media_publish") == []


async def test_instagram_carousel_has_one_child_container_per_item(server, client):
    second = Media("image", "https://cdn.example.test/b.jpg")
    await client.publish(_post("instagram", IMAGE, second), Account("t", "1784"))
    children, parent = server.requests("/ig/1784/media")[:2], server.requests("/ig/1784/media")[2]
    assert [c.form["is_carousel_item"] for c in children] == ["true", "true"]
    assert parent.form["media_type"] == "CAROUSEL"
    assert parent.form["children"] == "container_1,container_2"  # the ids answered, in order
    assert server.requests("/media_publish")[0].form["creation_id"] == "container_3"


async def test_an_instagram_post_without_media_is_refused_before_any_call(server, client):
    with pytest.raises(PlatformError, match="needs an image or a video") as failed:
        await client.publish(_post("instagram"), Account("t", "1784"))
    assert not failed.value.temporary and server.seen == []


async def test_tiktok_pulls_a_video_or_photos_from_their_urls(server, client):
    video = Media("video", "https://cdn.example.test/clip.mp4")
    receipt = await client.publish(_post("tiktok", video), Account("tt-token"))
    await client.publish(_post("tiktok", IMAGE), Account("tt-token"))
    (init,) = server.requests("/v2/post/publish/video/init/")
    assert init.headers["authorization"] == "Bearer tt-token"
    assert init.json == {
        "post_info": {"title": "Open day", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": video.url},
    }
    (photo,) = server.requests("/v2/post/publish/content/init/")
    assert photo.json["media_type"] == "PHOTO" and photo.json["post_mode"] == "DIRECT_POST"
    assert photo.json["source_info"]["photo_images"] == [IMAGE.url]
    assert receipt.external_id.startswith("v_pub_url~v2.")


async def test_tiktok_refusal_inside_a_200_is_final(server, client):
    refused = {"data": {}, "error": {"code": "spam_risk_too_many_posts", "message": "Too many"}}
    server.fail("POST", "/v2/post/publish/video/init/", 200, refused)
    video = Media("video", "https://cdn.example.test/clip.mp4")
    with pytest.raises(PlatformError, match="Too many") as failed:
        await client.publish(_post("tiktok", video), Account("t"))
    assert not failed.value.temporary


async def test_youtube_streams_the_video_into_a_resumable_upload(server, client):
    video = Media("video", f"{server.url}/media/clip.mp4")
    receipt = await client.publish(_post("youtube", video), Account("yt-token"))
    start, upload = server.requests("/upload/youtube/v3/videos")
    assert start.method == "POST" and start.query == {
        "uploadType": "resumable",
        "part": "snippet,status",
    }
    assert start.headers["authorization"] == "Bearer yt-token"
    assert start.json == {
        "snippet": {"title": "Open day", "description": "Orchard open day #harvest"},
        "status": {"privacyStatus": "public"},
    }
    assert upload.method == "PUT" and upload.query["upload_id"].startswith("u")
    assert upload.size == len(VIDEO_BYTES) and upload.headers["content-type"] == "video/mp4"
    assert receipt.url == f"https://www.youtube.com/watch?v={receipt.external_id}"


async def test_wordpress_publishes_on_the_site_with_its_images(server, client):
    second = Media("image", "https://cdn.example.test/b.jpg")
    receipt = await client.publish(_post("wordpress", IMAGE, second), Account("wp", "81234"))
    (seen,) = server.requests("/rest/v1.1/sites/81234/posts/new")
    assert seen.headers["authorization"] == "Bearer wp"
    assert seen.form_items == [
        ("title", "Open day"),
        ("content", "Orchard open day #harvest"),
        ("status", "publish"),
        ("media_urls[]", IMAGE.url),
        ("media_urls[]", second.url),
    ]
    assert receipt.url == f"https://blog.example.test/?p={receipt.external_id}"


async def test_wordpress_refusal_quotes_its_message(server, client):
    refused = {"error": "unauthorized", "message": "User cannot publish posts"}
    server.fail("POST", "/rest/v1.1/sites/81234/posts/new", 403, refused)
    with pytest.raises(PlatformError, match="403: User cannot publish posts") as failed:
        await client.publish(_post("wordpress"), Account("wp", "81234"))
    assert not failed.value.temporary


@pytest.mark.parametrize(
    ("status", "body", "temporary", "message"),
    [
        (429, {"title": "Too Many Requests", "detail": "Too Many Requests"}, True, "Too Many"),
        (503, {"errors": [{"message": "Service Unavailable"}]}, True, "Service Unavailable"),
        (
            403,
            {"detail": "You are not allowed to create a Tweet with duplicate content."},
            False,
            "duplicate content",
        ),
        (401, {"title": "Unauthorized", "detail": "Unauthorized"}, False, "401: Unauthorized"),
    ],
)
async def test_twitter_failures_are_retryable_or_final_with_its_message(
    server, client, status, body, temporary, message
):
    server.fail("POST", "/2/tweets", status, body)
    with pytest.raises(PlatformError) as failed:
        await client.publish(_post("twitter"), Account("t"))
    assert failed.value.temporary is temporary and failed.value.status == status
    assert message in str(failed.value)


async def test_graph_throttling_answered_as_400_is_retryable(server, client):
    throttled = {"error": {"message": "(#4) Application request limit reached", "code": 4}}
    server.fail("POST", "/graph/1020/feed", 400, throttled)
    with pytest.raises(PlatformError, match="request limit reached") as failed:
        await client.publish(_post("facebook"), Account("t", "1020"))
    assert failed.value.temporary
    invalid = {"error": {"message": "(#100) Invalid parameter", "code": 100}}
    server.fail("POST", "/graph/1020/feed", 400, invalid)
    with pytest.raises(PlatformError, match="Invalid parameter") as final:
        await client.publish(_post("facebook"), Account("t", "1020"))
    assert not final.value.temporary


async def test_an_unreachable_platform_is_retryable():
    nowhere = PlatformPosts(
        PlatformServer(url="http://127.0.0.1:9").urls, timeout=2, poll_seconds=0
    )
    with pytest.raises(PlatformError, match="unreachable") as failed:
        await nowhere.publish(_post("twitter"), Account("t"))
    assert failed.value.temporary


async def test_a_page_post_without_the_page_id_asks_to_reconnect(server, client):
    with pytest.raises(PlatformError, match="connect it again"):
        await client.publish(_post("facebook"), Account("t"))
    assert server.seen == []
