"""Content generation as a job through a real worker: the offline generator (the default)
and an OpenAI-compatible HTTP provider (a local server started by the test), including its
errors and timeouts, which end the job failed with a reason and content.failed."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from gateway.database import transaction
from models.base import utcnow
from models.social import BusinessSettings
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_jobs import events, fake_provider

REQUEST = {
    "platform": "tiktok",
    "product": "Infinity Cards",
    "contentType": "demo",
    "tone": "casual",
    "length": "short",
    "context": "Focus on the unique gameplay mechanics",
}


async def _generate(api, workspace, **overrides):  # type: ignore[no-untyped-def]
    answer = await api.post(
        "/api/content/generate", json={**REQUEST, **overrides, "workspaceId": workspace}
    )
    assert answer.status_code == 200, answer.text
    job = answer.json()["data"]
    assert job["status"] == "processing" and job["estimatedTime"] in (10, 20, 30)
    return job["jobId"]


async def _status(api, job_id):  # type: ignore[no-untyped-def]
    return (await api.get(f"/api/content/generate/{job_id}")).json()["data"]


async def test_offline_generation_uses_the_brand(api, workspace, sessions, engine, settings):
    async with transaction(sessions) as session:
        session.add(
            BusinessSettings(
                workspace_id=workspace,
                company_name="Deckhouse Games",
                marketing={"brand_voice": "playful"},
                updated_at=utcnow(),
            )
        )
    job_id = await _generate(api, workspace, tone=None)
    assert await _status(api, job_id) == {"jobId": job_id, "status": "processing", "progress": 0}
    await run_due_jobs(engine, settings)
    done = await _status(api, job_id)
    assert done["status"] == "complete"
    content = done["content"]
    assert content["title"] == "Product Demo: Infinity Cards"
    assert "Deckhouse Games" in content["body"] and "gameplay mechanics" in content["body"]
    assert content["metadata"] == {"aiGenerated": True, "model": "gateway-offline-writer-1"}
    # The brand's voice (playful) chose the opener; the same request reads the same.
    again = await _generate(api, workspace, tone=None)
    await run_due_jobs(engine, settings)
    assert (await _status(api, again))["content"] == content
    longer = await _generate(api, workspace, length="long", platform="blog")
    await run_due_jobs(engine, settings)
    assert (await _status(api, longer))["content"]["body"].count("## ") == 6


def _remote(settings, url):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={
            "generation_adapter": "openai",
            "generation_base_url": url,
            "generation_model": "asked-model",
            "generation_api_key": SecretStr("sk-test-local"),
            "generation_timeout_seconds": 0.5,
        }
    )


async def test_an_openai_compatible_provider(api, workspace, engine, settings):
    async with fake_provider() as provider:
        job_id = await _generate(api, workspace)
        await run_due_jobs(engine, _remote(settings, provider.url))
    done = await _status(api, job_id)
    assert done["content"] == {
        "title": "Meet the deck",
        "body": "Shuffle, draw, win. Written remotely.",
        "metadata": {"aiGenerated": True, "model": "local-test-model-2024"},  # as it answered
    }
    asked = provider.requests[-1]  # (a worker runs every due job, others' too)
    assert asked["authorization"] == "Bearer sk-test-local"
    assert asked["body"]["model"] == "asked-model"
    assert "Product: Infinity Cards" in asked["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("error", "the provider answered 503: model overloaded"),
        ("slow", "the provider did not answer within 0.5s"),
        ("empty", "the provider generated nothing"),
    ],
)
async def test_provider_failures_fail_the_job(
    api, workspace, engine, settings, sessions, mode, reason
):
    async with fake_provider() as provider:
        provider.mode = mode
        job_id = await _generate(api, workspace)
        await run_due_jobs(engine, _remote(settings, provider.url))
    assert await _status(api, job_id) == {"jobId": job_id, "status": "failed", "error": reason}
    (event,) = await events(sessions, workspace, "content.failed")
    assert event["jobId"] == job_id and event["error"] == reason and event["contentId"] is None
