"""Spec 003's scheduled TikTok content (and blog posts) published by a real job engine
worker through the live integration (INTEGRATION_ADAPTER=live), which posts on TikTok's
Content Posting API (WordPress.com's REST API) -- here a local server on 127.0.0.1 -- with
the integration's sealed token: published, a retryable failure retried then published, a
final one failed with content.failed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from gateway.organic.integrations import seal
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_jobs import events
from tests.utils.platform_server import PlatformServer, platform_server

VIDEO = "https://cdn.example.test/v/deck.mp4"
INIT = "/v2/post/publish/video/init/"


@pytest.fixture
async def server() -> AsyncIterator[PlatformServer]:
    async with platform_server() as running:
        yield running


@pytest.fixture
def live(settings: Any, server: PlatformServer) -> Any:
    return settings.model_copy(update={**server.settings_update(), "publish_retry_base_seconds": 0})


@pytest.fixture
async def tiktok(upload: Any, sessions: Any, settings: Any, workspace: str) -> None:
    await upload(
        "integrations",
        [{"id": "int_tiktok", "name": "TikTok", "provider": "tiktok", "status": "connected"}],
    )
    sealed = seal(settings, {"access_token": "tt-live-token", "account": {"id": "tt_9"}})
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE integrations SET credentials = :c WHERE workspace_id = :ws"),
            {"c": sealed, "ws": workspace},
        )


async def _scheduled(api: Any, workspace: str) -> str:
    body = {
        "workspaceId": workspace,
        "type": "tiktok",
        "title": "Deck reveal",
        "mediaUrls": [VIDEO],
        "scheduledAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
    }
    answer = await api.post("/api/content", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["content"]["id"]


async def _item(api: Any, content_id: str) -> dict[str, Any]:
    return (await api.get(f"/api/content/{content_id}")).json()["data"]["content"]


async def test_published_on_tiktok_with_the_sealed_token(
    api, workspace, tiktok, engine, live, server, sessions
):
    item = await _scheduled(api, workspace)
    await run_due_jobs(engine, live)
    (init,) = server.requests(INIT)
    assert init.headers["authorization"] == "Bearer tt-live-token"
    assert init.json == {
        "post_info": {"title": "Deck reveal", "privacy_level": "SELF_ONLY"},
        "source_info": {"source": "PULL_FROM_URL", "video_url": VIDEO},
    }
    published = await _item(api, item)
    assert published["status"] == "published"
    assert published["metadata"]["externalId"].startswith("v_pub_url~v2.")
    (event,) = await events(sessions, workspace, "content.published")
    assert event["id"] == item


async def test_a_retryable_failure_is_retried_then_published(
    api, workspace, tiktok, engine, live, server, sessions
):
    busy = {"error": {"code": "rate_limit_exceeded", "message": "Too many requests"}}
    server.fail("POST", INIT, 429, busy)
    item = await _scheduled(api, workspace)
    for _ in range(3):
        await run_due_jobs(engine, live)
    assert len(server.requests(INIT)) == 2
    assert (await _item(api, item))["status"] == "published"
    assert await events(sessions, workspace, "content.failed") == []


async def test_a_final_failure_records_content_failed_with_tiktoks_message(
    api, workspace, tiktok, engine, live, server, sessions
):
    refused = {"error": {"code": "invalid_params", "message": "video_url cannot be pulled"}}
    server.fail("POST", INIT, 400, refused)
    item = await _scheduled(api, workspace)
    for _ in range(2):
        await run_due_jobs(engine, live)
    assert len(server.requests(INIT)) == 1
    assert (await _item(api, item))["status"] == "failed"
    (event,) = await events(sessions, workspace, "content.failed")
    assert event["contentId"] == item
    assert event["error"] == "tiktok answered 400: video_url cannot be pulled"


async def test_a_blog_post_is_published_on_the_connected_wordpress_site(
    api, workspace, upload, engine, live, server, sessions, settings
):
    await upload(
        "integrations",
        [{"id": "int_wp", "name": "WordPress", "provider": "wordpress", "status": "connected"}],
    )
    account = {"id": "u5", "site": "81234"}
    sealed = seal(settings, {"access_token": "wp-token", "account": account})
    async with sessions.begin() as session:
        await session.execute(
            text("UPDATE integrations SET credentials = :c WHERE workspace_id = :ws"),
            {"c": sealed, "ws": workspace},
        )
    body = {
        "workspaceId": workspace,
        "type": "blog",
        "title": "Pressing season notes",
        "body": "What we learned this autumn.",
        "scheduledAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
    }
    created = await api.post("/api/content", json=body)
    item = created.json()["data"]["content"]["id"]
    await run_due_jobs(engine, live)
    (seen,) = server.requests("/rest/v1.1/sites/81234/posts/new")
    assert seen.headers["authorization"] == "Bearer wp-token"
    assert seen.form == {
        "title": "Pressing season notes",
        "content": "What we learned this autumn.",
        "status": "publish",
    }
    published = await _item(api, item)
    assert published["status"] == "published"
    assert published["metadata"]["platformUrl"].startswith("https://blog.example.test/?p=")
