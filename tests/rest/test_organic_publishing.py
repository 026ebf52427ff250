"""Scheduled content is published by the job engine at its time, through the integration of
its platform (the sandbox adapter here); a temporary failure is retried, then the item is
marked failed; each outcome records its event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.adapters import sandbox
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_jobs import events

CONNECTED = [
    {"id": "int_tiktok", "name": "TikTok", "provider": "tiktok", "status": "connected"},
]


def _at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def _create(api, workspace, **fields):  # type: ignore[no-untyped-def]
    body = {"workspaceId": workspace, "type": "tiktok", "title": "Deck reveal", **fields}
    answer = await api.post("/api/content", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["content"]["id"]


async def _item(api, content_id):  # type: ignore[no-untyped-def]
    return (await api.get(f"/api/content/{content_id}")).json()["data"]["content"]


async def test_published_at_its_time(api, workspace, upload, engine, settings, sessions):
    await upload("integrations", CONNECTED)
    due = await _create(
        api,
        workspace,
        mediaUrls=["https://cdn.example.test/v/1.mp4"],
        scheduledAt=_at(-timedelta(seconds=1)),
    )
    later = await _create(api, workspace, scheduledAt=_at(timedelta(days=2)))
    draft = await _create(api, workspace)
    await run_due_jobs(engine, settings)
    published = await _item(api, due)
    assert published["status"] == "published" and published["publishedAt"]
    assert published["metadata"]["externalId"].startswith("tiktok_")
    assert (await _item(api, later))["status"] == "scheduled"
    assert (await _item(api, draft))["status"] == "draft"
    (event,) = await events(sessions, workspace, "content.published")
    assert event["id"] == due and event["status"] == "published"
    (call,) = await sandbox.calls(sessions, workspace, "integration:tiktok")
    assert call.action == "publish" and call.payload["media_urls"] == [
        "https://cdn.example.test/v/1.mp4"
    ]
    # Running the engine again publishes nothing twice.
    await run_due_jobs(engine, settings)
    assert len(await sandbox.calls(sessions, workspace, "integration:tiktok")) == 1
    feed = (await api.get("/api/dashboard/activity", params={"workspaceId": workspace})).json()
    assert feed["data"]["activities"][0]["metadata"] == {"contentId": due, "platform": "tiktok"}


async def test_rescheduling_moves_the_publication(api, workspace, upload, engine, settings):
    await upload("integrations", CONNECTED)
    item = await _create(api, workspace, scheduledAt=_at(-timedelta(seconds=1)))
    moved = await api.put(f"/api/content/{item}", json={"scheduledAt": _at(timedelta(days=1))})
    assert moved.status_code == 200
    await run_due_jobs(engine, settings)  # the first job finds the time changed
    assert (await _item(api, item))["status"] == "scheduled"
    unscheduled = await api.put(f"/api/content/{item}", json={"scheduledAt": None})
    assert unscheduled.status_code == 200
    assert (await _item(api, item))["status"] == "draft"


async def test_a_temporary_failure_is_retried_then_failed(
    api, workspace, upload, engine, settings, sessions
):
    await upload("integrations", CONNECTED)
    item = await _create(
        api,
        workspace,
        mediaUrls=["https://unavailable.example.test/v.mp4"],
        scheduledAt=_at(-timedelta(seconds=1)),
    )
    quick = settings.model_copy(update={"publish_retry_base_seconds": 0, "publish_max_attempts": 3})
    for _ in range(5):  # each run makes the attempts that are due (retries come later)
        await run_due_jobs(engine, quick)
    failed = await _item(api, item)
    assert failed["status"] == "failed"
    attempts = await sandbox.calls(sessions, workspace, "integration:tiktok")
    assert [c.outcome for c in attempts] == [{"error": "unavailable"}] * 3
    (event,) = await events(sessions, workspace, "content.failed")
    assert event["contentId"] == item and event["error"] == "TikTok is unavailable (503)"


async def test_a_permanent_failure_fails_at_once(
    api, workspace, upload, engine, settings, sessions
):
    await upload("integrations", CONNECTED)
    rejected = await _create(
        api,
        workspace,
        mediaUrls=["https://rejected.example.test/v.mp4"],
        scheduledAt=_at(-timedelta(seconds=1)),
    )
    blog = await _create(api, workspace, type="blog", scheduledAt=_at(-timedelta(seconds=1)))
    await run_due_jobs(engine, settings)
    assert (await _item(api, rejected))["status"] == "failed"
    assert (await _item(api, blog))["status"] == "failed"  # no WordPress connected
    reasons = {
        e["contentId"]: e["error"] for e in await events(sessions, workspace, "content.failed")
    }
    assert reasons == {
        rejected: "TikTok rejected the media at rejected.example.test",
        blog: "no connected WordPress integration",
    }
    published = await api.put(f"/api/content/{blog}", json={"title": "Renamed"})
    assert published.status_code == 200


async def test_published_content_cannot_be_rescheduled(api, workspace, upload, engine, settings):
    await upload("integrations", CONNECTED)
    item = await _create(api, workspace, scheduledAt=_at(-timedelta(seconds=1)))
    await run_due_jobs(engine, settings)
    again = await api.put(f"/api/content/{item}", json={"scheduledAt": _at(timedelta(days=1))})
    assert again.status_code == 400 and again.json()["error"]["code"] == "VALIDATION_ERROR"
    deleted = await api.delete(f"/api/content/{item}")
    assert deleted.json()["data"] == {"message": "Content deleted successfully"}
    assert (await api.get(f"/api/content/{item}")).status_code == 404
