"""Spec 004's scheduled posts published by a real job engine worker on the platform's own
API (INTEGRATION_ADAPTER=live, base URLs pointed at a local server on 127.0.0.1), with the
connected account's token opened from its sealed column: a retryable failure retried then
published, a final one failed with the platform's message and a notification."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.rest.test_social_routes import _events
from tests.utils.jobs import run_due_jobs
from tests.utils.platform_server import PlatformServer, platform_server


@pytest.fixture
async def server() -> AsyncIterator[PlatformServer]:
    async with platform_server() as running:
        yield running


@pytest.fixture
def live(settings: Any, server: PlatformServer) -> Any:
    return settings.model_copy(update={**server.settings_update(), "publish_retry_base_seconds": 0})


async def _connect(api: Any, platform: str) -> dict[str, Any]:
    body = {"platform": platform, "authCode": "code-7", "redirectUri": "https://a.example.test/cb"}
    answer = await api.post("/v1/social/connect", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def _schedule(api: Any, platform: str, **fields: Any) -> str:
    body = {
        "content": "Cider pressing this weekend",
        "platform": platform,
        "status": "scheduled",
        "scheduledAt": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
        "hashtags": ["#cider"],
        **fields,
    }
    answer = await api.post("/v1/posts", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]["id"]


async def _post(api: Any, post_id: str) -> dict[str, Any]:
    posts = (await api.get("/v1/posts")).json()["data"]["posts"]
    return next(p for p in posts if p["id"] == post_id)


async def _failures(sessions: Any, workspace: str) -> list[dict[str, Any]]:
    notes = await _events(sessions, workspace, "notification")
    return [n for n in notes if n["title"] == "Post Publishing Failed"]


async def test_published_on_the_platform_with_the_sealed_token(
    api, workspace, engine, live, server, sessions
):
    await _connect(api, "twitter")
    post_id = await _schedule(api, "twitter")
    await run_due_jobs(engine, live)
    (tweet,) = server.requests("/2/tweets")
    assert tweet.json == {"text": "Cider pressing this weekend #cider"}
    assert tweet.headers["authorization"].startswith("Bearer sbx_at_")  # opened from the column
    published = await _post(api, post_id)
    assert published["status"] == "published" and published["publishedAt"]
    steps = [(e["postId"], e["status"]) for e in await _events(sessions, workspace, "post_status")]
    assert steps == [(post_id, "scheduled"), (post_id, "published")]


async def test_the_page_id_of_the_connected_account_addresses_the_post(
    api, workspace, engine, live, server
):
    account = await _connect(api, "facebook")
    media = [{"type": "image", "url": "https://cdn.example.test/press.jpg"}]
    await _schedule(api, "facebook", media=media)
    await run_due_jobs(engine, live)
    (photo,) = [s for s in server.seen if s.path.endswith("/photos")]
    assert photo.path.startswith("/graph/fa_") and photo.form["url"] == media[0]["url"]
    assert account["platform"] == "facebook"


async def test_a_retryable_failure_is_retried_then_published(
    api, workspace, engine, live, server, sessions
):
    await _connect(api, "linkedin")
    server.fail("POST", "/rest/posts", 503, {"message": "Service busy", "status": 503})
    post_id = await _schedule(api, "linkedin")
    for _ in range(3):  # the first attempt fails and defers the next (base delay 0 here)
        await run_due_jobs(engine, live)
    assert len(server.requests("/rest/posts")) == 2  # one failure, one success, no more
    published = await _post(api, post_id)
    assert published["status"] == "published"
    assert await _failures(sessions, workspace) == []


async def test_a_final_failure_marks_the_post_failed_with_a_notification(
    api, workspace, engine, live, server, sessions
):
    await _connect(api, "twitter")
    refusal = {"detail": "You are not allowed to create a Tweet with duplicate content."}
    server.fail("POST", "/2/tweets", 403, refusal)
    post_id = await _schedule(api, "twitter")
    await run_due_jobs(engine, live)
    await run_due_jobs(engine, live)  # nothing is retried
    assert len(server.requests("/2/tweets")) == 1
    assert (await _post(api, post_id))["status"] == "failed"
    steps = [e["status"] for e in await _events(sessions, workspace, "post_status")]
    assert steps == ["scheduled", "failed"]
    (note,) = await _failures(sessions, workspace)
    assert note["type"] == "error"
    assert "duplicate content" in note["message"] and note["actionUrl"] == f"/posts/{post_id}"


async def test_without_a_connected_account_the_post_fails_without_a_call(
    api, workspace, engine, live, server, sessions
):
    post_id = await _schedule(api, "twitter")
    await run_due_jobs(engine, live)
    assert server.seen == []
    assert (await _post(api, post_id))["status"] == "failed"
    (note,) = await _failures(sessions, workspace)
    assert "no connected twitter account" in note["message"]
