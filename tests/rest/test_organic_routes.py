"""Every spec 003 route against the spec's own example (tests/rest/spec003/examples.json,
taken from the spec): the documented request gets 200 and a body with the same keys at
every level and the same JSON types, in the family's envelope with `meta` and the
X-API-Version header."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.principal import ROLE_SCOPES, Principal
from tests.rest import organic_dataset
from tests.utils import accounts
from tests.utils.jobs import run_due_jobs

EXAMPLES = json.loads((Path(__file__).parent / "spec003" / "examples.json").read_text())
# Objects keyed by data (dates, channels), not by fixed names; and free-form objects.
MAPS = {"data.calendar", "data.channels"}
FREE_FORM = {"metadata", "customFields", "config"}


def same_shape(actual: Any, example: Any, path: str = "data") -> None:
    """Same keys at every level and the same JSON types (null in either matches anything:
    the spec shows nullable values filled or empty)."""
    if example is None or actual is None:
        return
    if isinstance(example, bool) or isinstance(actual, bool):
        assert isinstance(actual, bool) and isinstance(example, bool), path
    elif isinstance(example, int | float):
        assert isinstance(actual, int | float), (path, actual)
    elif isinstance(example, str):
        assert isinstance(actual, str), (path, actual)
    elif isinstance(example, list):
        assert isinstance(actual, list), (path, actual)
        for n, item in enumerate(actual):
            same_shape(item, example[min(n, len(example) - 1)] if example else None, f"{path}[{n}]")
    else:
        assert isinstance(actual, dict), (path, actual)
        if path in MAPS:
            model = next(iter(example.values()))
            for key, value in actual.items():
                same_shape(value, model, f"{path}.{key}")
            return
        if path.rsplit(".", 1)[-1] in FREE_FORM:
            return  # whatever they hold
        assert set(actual) == set(example), (path, sorted(actual), sorted(example))
        for key, value in actual.items():
            same_shape(value, example[key], f"{path}.{key}")


def documented(key: str, label: str = "Response") -> Any:
    return EXAMPLES[key][label]


@pytest.fixture
async def spec(api, upload, workspace, _marketing_app):  # type: ignore[no-untyped-def]
    """`api` on the dataset, as a signed-in owner (OAuth states are bound to an account)."""
    await organic_dataset.load(upload)
    app, caller = _marketing_app
    account = await accounts.member(app, workspace)
    caller.principal = Principal(
        workspace_id=workspace, subject=account.id, kind="account", scopes=ROLE_SCOPES["owner"]
    )

    async def call(key: str, *, label: str = "Response", path: str | None = None, **kw: Any):
        method, documented_path = key.split(" ", 1)
        request = EXAMPLES[key].get("Request") or EXAMPLES[key].get("Request (TikTok)")
        body = kw.pop("json", None)
        if body is None and method in ("POST", "PUT") and request is not None:
            body = {**request, "workspaceId": workspace} if "workspaceId" in request else request
        params = kw.pop("params", {"workspaceId": workspace} if method == "GET" else None)
        response = await api.request(
            method, path or documented_path, json=body, params=params, **kw
        )
        assert response.status_code == 200, (key, response.text)
        assert response.headers["x-api-version"] == "1.0.0"
        envelope = response.json()
        assert set(envelope) == {"success", "data", "meta"} and envelope["success"] is True
        assert set(envelope["meta"]) == {"timestamp", "version", "requestId"}
        same_shape(envelope["data"], documented(key, label)["data"])
        return envelope["data"]

    return call


async def test_every_read_route(spec, workspace):
    await spec("GET /api/dashboard/overview")
    await spec("GET /api/dashboard/activity")
    data = await spec(
        "GET /api/dashboard/metrics",
        params={"workspaceId": workspace, "metrics[]": ["revenue", "traffic"]},
    )
    assert list(data["metrics"]) == ["revenue", "traffic"]
    await spec("GET /api/content")
    await spec("GET /api/content/{contentId}", path="/api/content/cnt_1", params={})
    calendar = await spec(
        "GET /api/content/calendar",
        params={"workspaceId": workspace, "startDate": "2024-03-01", "endDate": "2024-03-31"},
    )
    assert set(calendar["calendar"]) == {"2024-03-01", "2024-03-12"}
    await spec("GET /api/email/campaigns")
    await spec("GET /api/email/sequences")
    await spec("GET /api/email/leads")
    await spec(
        "GET /api/analytics/channels",
        params={"workspaceId": workspace, "startDate": "2024-03-01", "endDate": "2024-03-10"},
    )
    await spec("GET /api/analytics/funnel")
    await spec("GET /api/analytics/attribution")
    await spec("GET /api/integrations")
    await spec("GET /api/webhooks")


async def test_every_write_route_and_its_job(spec, engine, settings, workspace):
    created = await spec("POST /api/content")
    assert created["content"]["status"] == "scheduled"
    content_id = created["content"]["id"]
    await spec("PUT /api/content/{contentId}", path=f"/api/content/{content_id}")
    job = await spec("POST /api/content/generate")
    status = f"/api/content/generate/{job['jobId']}"
    await spec(
        "GET /api/content/generate/{jobId}", label="Response (Processing)", path=status, params={}
    )
    await spec("POST /api/email/campaigns")
    await spec("POST /api/email/sequences")
    imported = await spec("POST /api/email/leads/import")
    assert imported == {"imported": 1, "skipped": 0, "errors": []}
    await spec("POST /api/analytics/reports")
    export = await spec(
        "POST /api/analytics/export",
        json={**EXAMPLES["POST /api/analytics/export"]["Request"], "workspaceId": workspace},
    )
    connect = await spec(
        "POST /api/integrations/{integrationId}/connect",
        path="/api/integrations/int_tiktok/connect",
    )
    assert connect["authUrl"].startswith("https://www.tiktok.com/v2/auth/authorize/?")
    await spec(
        "POST /api/integrations/{integrationId}/sync", path="/api/integrations/int_tiktok/sync"
    )
    tested = await spec(
        "POST /api/integrations/{integrationId}/test", path="/api/integrations/int_tiktok/test"
    )
    # ingested as connected, it never went through OAuth: no token to authenticate with
    assert tested["details"]["authentication"] == "failed" and tested["status"] == "failed"
    await run_due_jobs(engine, settings)
    done = await spec(
        "GET /api/content/generate/{jobId}", label="Response (Complete)", path=status, params={}
    )
    assert done["content"]["metadata"] == {"aiGenerated": True, "model": "gateway-offline-writer-1"}
    ready = await spec(
        "GET /api/analytics/export/{exportId}",
        label="Response (Complete)",
        path=f"/api/analytics/export/{export['exportId']}",
        params={},
    )
    assert ready["status"] == "complete" and "/files/" in ready["downloadUrl"]
    await spec(
        "POST /api/integrations/{integrationId}/disconnect",
        path="/api/integrations/int_tiktok/disconnect",
    )
    await spec("DELETE /api/content/{contentId}", path=f"/api/content/{content_id}", params={})
    # POST and DELETE /api/webhooks: tests/subscriptions/test_webhooks.py (a live receiver).


async def test_errors_in_the_family_envelope(api, workspace):
    missing = await api.get("/api/dashboard/overview")
    assert missing.status_code == 400
    body = missing.json()
    assert body["error"]["code"] == "VALIDATION_ERROR" and set(body["meta"]) == {
        "timestamp",
        "requestId",
    }
    bad = await api.get(
        "/api/analytics/attribution", params={"workspaceId": workspace, "model": "u-shaped"}
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    unknown = await api.get("/api/content/cnt_nope", params={"workspaceId": workspace})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND"
    elsewhere = await api.get("/api/content", params={"workspaceId": "ws_someone_else"})
    assert elsewhere.status_code == 403
    assert elsewhere.json()["error"] == {
        "code": "FORBIDDEN",
        "message": "Not a member of this workspace",
        "details": None,
    }
    backwards = await api.get(
        "/api/analytics/funnel",
        params={"workspaceId": workspace, "startDate": "2024-03-10", "endDate": "2024-03-01"},
    )
    assert backwards.status_code == 400


async def test_a_principal_without_the_scope_is_refused(api, workspace):
    api.caller.principal = Principal(
        workspace_id=workspace, subject="viewer", scopes=ROLE_SCOPES["viewer"]
    )
    refused = await api.post(
        "/api/content", json={"workspaceId": workspace, "type": "blog", "title": "No"}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"
    assert (await api.get("/api/content", params={"workspaceId": workspace})).status_code == 200


async def test_lists_cost_the_same_statements_whatever_their_length(
    api, upload, workspace, count_statements
):
    from tests.utils.organic_builders import content as item
    from tests.utils.organic_builders import metrics, sequence, step

    async def sequences(numbers: range) -> None:
        await upload("email_sequences", [sequence(n) for n in numbers])
        await upload("sequence_steps", [step(n, p) for n in numbers for p in (1, 2)])

    async def statements(path: str) -> int:
        count_statements.count = 0
        answer = await api.get(path, params={"workspaceId": workspace, "limit": 50})
        assert answer.status_code == 200
        return count_statements.count

    await upload("content", [item(n) for n in range(1, 3)])
    await upload("content_metrics", [metrics(n, "2024-03-01", views=n) for n in range(1, 3)])
    await sequences(range(1, 3))
    few = await statements("/api/content"), await statements("/api/email/sequences")
    await upload("content", [item(n) for n in range(3, 12)])
    await upload("content_metrics", [metrics(n, "2024-03-01", views=n) for n in range(3, 12)])
    await sequences(range(3, 9))
    assert (await statements("/api/content"), await statements("/api/email/sequences")) == few
