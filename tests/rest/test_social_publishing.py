"""Scheduled spec 004 posts are published by a real job engine worker at their time,
through the platform's sandbox publisher: post_status at each step, retries then failed
with a notification. Each worker run is a new worker (a restart between scheduling and
publishing): the job lives in PostgreSQL, not in the process that scheduled it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.adapters import sandbox
from tests.rest.test_social_routes import _events
from tests.utils.jobs import run_due_jobs


def _soon(seconds: int = -1) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def _post(at: str, host: str = "cdn.example.test") -> dict:
    return {
        "content": "Spring planting guide",
        "platform": "instagram",
        "status": "scheduled",
        "scheduledAt": at,
        "media": [{"type": "image", "url": f"https://{host}/a.jpg"}],
    }


async def test_a_scheduled_post_is_published_at_its_time_after_a_restart(
    api, workspace, engine, settings, sessions
):
    later = (await api.post("/v1/posts", json=_post(_soon(3600)))).json()["data"]
    due = (await api.post("/v1/posts", json=_post(_soon()))).json()["data"]
    await run_due_jobs(engine, settings)  # a fresh worker: nothing scheduled survives in memory
    posts = {p["id"]: p for p in (await api.get("/v1/posts")).json()["data"]["posts"]}
    assert posts[due["id"]]["status"] == "published"
    assert posts[due["id"]]["publishedAt"] is not None
    assert posts[later["id"]]["status"] == "scheduled"  # not yet its time
    (call,) = await sandbox.calls(sessions, workspace, "social_publish:instagram")
    assert call.payload["post_id"] == due["id"]
    steps = [(e["postId"], e["status"]) for e in await _events(sessions, workspace, "post_status")]
    assert steps.count((due["id"], "published")) == 1
    await run_due_jobs(engine, settings)  # again: nothing published twice
    assert len(await sandbox.calls(sessions, workspace, "social_publish:instagram")) == 1


async def test_rescheduling_moves_the_publication(api, workspace, engine, settings, sessions):
    created = (await api.post("/v1/posts", json=_post(_soon(3600)))).json()["data"]
    await api.put(f"/v1/posts/{created['id']}", json={"scheduledAt": _soon()})
    await run_due_jobs(engine, settings)
    (post,) = (await api.get("/v1/posts")).json()["data"]["posts"]
    assert post["status"] == "published"


async def test_a_temporary_failure_is_retried_then_failed_with_a_notification(
    api, workspace, engine, settings, sessions
):
    created = await api.post("/v1/posts", json=_post(_soon(), "unavailable.example.test"))
    post_id = created.json()["data"]["id"]
    quick = settings.model_copy(update={"publish_retry_base_seconds": 0, "publish_max_attempts": 3})
    for _ in range(4):  # each run is a new worker; each retry is a job of its own
        await run_due_jobs(engine, quick)
    calls = await sandbox.calls(sessions, workspace, "social_publish:instagram")
    assert len(calls) == 3  # every attempt, then no more
    (post,) = (await api.get("/v1/posts")).json()["data"]["posts"]
    assert post["status"] == "failed"
    steps = [e["status"] for e in await _events(sessions, workspace, "post_status")]
    assert steps == ["scheduled", "failed"]
    (note,) = await _events(sessions, workspace, "notification")
    assert note["title"] == "Post Publishing Failed" and note["actionUrl"] == f"/posts/{post_id}"


async def test_a_permanent_failure_fails_at_once(api, workspace, engine, settings, sessions):
    await api.post("/v1/posts", json=_post(_soon(), "rejected.example.test"))
    await run_due_jobs(engine, settings)
    assert len(await sandbox.calls(sessions, workspace, "social_publish:instagram")) == 1
    (post,) = (await api.get("/v1/posts")).json()["data"]["posts"]
    assert post["status"] == "failed"
