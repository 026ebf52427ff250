"""Spec 002's routes against the spec's own examples (tests/rest/spec002/examples.json,
taken from the spec): the documented request gets the documented status and a body with
the same keys at every level and the same JSON types; another workspace's ids answer 404;
bad input answers 413/422 in the spec's error envelope, with nothing stored."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from gateway.principal import Principal
from gateway.secrets import SecretBox
from models import coaching as m
from models.tenancy import Workspace
from tests.utils.jobs import run_due_jobs

EXAMPLES = json.loads((Path(__file__).parent / "spec002" / "examples.json").read_text())
# Free-form objects: whatever they hold.
FREE_FORM = {
    "settings", "metadata", "configuration", "profile_data", "trigger_conditions",
    "segments", "flow_definition", "preferences",
}  # fmt: skip
U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
CH = "33333333-3333-4333-8333-333333333333"


def same_shape(actual: Any, example: Any, path: str = "") -> None:
    """Same keys at every level and the same JSON types (null matches anything)."""
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
        if path.rsplit(".", 1)[-1] in FREE_FORM:
            return
        assert set(actual) == set(example), (path, sorted(actual), sorted(example))
        for key, value in actual.items():
            same_shape(value, example[key], f"{path}.{key}")


def documented(key: str) -> Any:
    return EXAMPLES[key]["Response"]


def request_of(key: str) -> Any:
    return EXAMPLES[key]["Request"]


async def _dataset(upload: Any) -> None:
    await upload(
        "channels",
        [
            {
                "id": CH,
                "channel_type": "web",
                "channel_name": "Site widget",
                "status": "active",
                "created_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    await upload(
        "end_users",
        [
            {
                "id": U1,
                "external_id": "ext-1",
                "channel": "web",
                "created_at": "2024-03-01T08:00:00Z",
                "profile_data": {"name": "Ada Brook", "goals": ["sleep better"]},
                "engagement_score": 0.8,
                "last_active_at": "2024-03-09T08:00:00Z",
            },
            {
                "id": U2,
                "external_id": "ext-2",
                "channel": "whatsapp",
                "created_at": "2024-03-05T08:00:00Z",
                "profile_data": {"name": "Cy Dale"},
                "engagement_score": 0.4,
            },
        ],
    )
    await upload("interactions", [
        {"user_id": U1, "channel": "web", "channel_id": CH, "interaction_type": "message_sent",
         "created_at": "2024-03-08T10:00:00Z", "response_time_seconds": 2.0,
         "satisfaction_score": 4.0},
        {"user_id": U1, "channel": "web", "channel_id": CH, "interaction_type": "ai_response",
         "is_ai": True, "created_at": "2024-03-08T10:00:05Z", "response_time_seconds": 4.0},
        {"user_id": U2, "channel": "whatsapp", "interaction_type": "human_escalation",
         "created_at": "2024-03-09T10:00:00Z"},
    ])  # fmt: skip


@pytest.fixture
async def hub(api: Any, upload: Any) -> Any:
    await _dataset(upload)
    return api


async def _ok(response: Any, key: str, status: int = 200) -> Any:
    assert response.status_code == status, (key, response.text)
    assert response.headers["x-ratelimit-limit"]
    assert "x-ratelimit-remaining" in response.headers and "x-ratelimit-reset" in response.headers
    body = response.json()
    if "Response" in EXAMPLES[key]:
        same_shape(body, documented(key))
    return body


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details", "request_id"}, error
    assert error["code"] == code, error
    return error


FLOW = request_of("POST /api/v1/programs")["flow_definition"]


async def test_knowledge_base_and_documents(hub: Any, engine: Any, settings: Any) -> None:
    kb = await _ok(
        await hub.post("/api/v1/knowledge-bases", json=request_of("POST /api/v1/knowledge-bases")),
        "POST /api/v1/knowledge-bases",
        201,
    )
    assert kb["document_count"] == 0 and kb["settings"]["chunk_size"] == 1000
    docs = f"/api/v1/knowledge-bases/{kb['id']}/documents"
    text_body = "# Sleep\n\n" + " ".join(f"Rest well, habit number {n}." for n in range(400))
    text_body += "\n\nMagnesium helps some sleepers relax before bed."
    uploaded = await _ok(
        await hub.post(docs, files={"file": ("sleep.md", text_body.encode(), "text/markdown")},
                       data={"title": "Sleep guide", "metadata": '{"topic": "sleep"}'}),
        "POST /api/v1/knowledge-bases/{knowledge_base_id}/documents",
        201,
    )  # fmt: skip
    assert uploaded["processing_status"] == "pending" and uploaded["file_type"] == "md"
    assert uploaded["file_size_bytes"] == len(text_body.encode())

    await run_due_jobs(engine, settings, queues=["coaching"])
    one = await _ok(
        await hub.get(f"{docs}/{uploaded['id']}"),
        "GET /api/v1/knowledge-bases/{knowledge_base_id}/documents/{document_id}",
    )
    assert one["processing_status"] == "completed" and one["processed_at"]
    assert one["chunk_count"] == len(one["chunks"]) > 5
    assert [c["chunk_index"] for c in one["chunks"]] == list(range(one["chunk_count"]))
    assert all(len(c["content"]) <= 1000 for c in one["chunks"])
    assert one["metadata"] == {"topic": "sleep"} and one["content"].startswith("# Sleep")

    listed = await _ok(
        await hub.get(docs, params={"status": "completed", "limit": 5}),
        "GET /api/v1/knowledge-bases/{knowledge_base_id}/documents",
    )
    assert listed["pagination"] == {"page": 1, "limit": 5, "total": 1, "pages": 1}
    assert listed["documents"][0]["chunk_count"] == one["chunk_count"]
    none = (await hub.get(docs, params={"status": "failed"})).json()
    assert none["documents"] == [] and none["pagination"]["total"] == 0

    updated = await _ok(
        await hub.put(f"{docs}/{uploaded['id']}", json={"title": "Better sleep"}),
        "GET /api/v1/knowledge-bases/{knowledge_base_id}/documents/{document_id}",
    )
    assert updated["title"] == "Better sleep" and updated["metadata"] == {"topic": "sleep"}

    gone = await _ok(
        await hub.delete(f"{docs}/{uploaded['id']}"),
        "DELETE /api/v1/knowledge-bases/{knowledge_base_id}/documents/{document_id}",
    )
    assert gone == {"message": "Document deleted successfully"}
    _error(await hub.get(f"{docs}/{uploaded['id']}"), 404, "RESOURCE_NOT_FOUND")


async def test_search_ranks_chunks_with_snippets(
    hub: Any, engine: Any, settings: Any, graphql: Any
) -> None:
    kb = (await hub.post("/api/v1/knowledge-bases", json={"name": "Sleep notes",
          "settings": {"chunk_size": 200, "chunk_overlap": 20}})).json()  # fmt: skip
    docs = f"/api/v1/knowledge-bases/{kb['id']}/documents"
    html = (
        "<html><head><style>p{}</style></head><body><p>Walking daily builds stamina.</p>"
        + "<p>" + "Stretching is fine. " * 20 + "</p>"
        + "<p>Magnesium and magnesium-rich foods help sleep; magnesium at night.</p></body></html>"
    )  # fmt: skip
    await hub.post(docs, files={"file": ("notes.html", html.encode(), "text/html")})
    await run_due_jobs(engine, settings, queues=["coaching"])
    result = await graphql(
        'query($kb: ID!) { knowledgeSearch(knowledgeBaseId: $kb, query: "magnesium sleep") '
        "{ documentTitle chunkIndex rank snippet } }",
        {"kb": kb["id"]},
    )
    assert result.errors is None, result.errors
    matches = result.data["knowledgeSearch"]
    assert matches and "<b>Magnesium</b>" in matches[0]["snippet"]
    assert "style" not in matches[0]["snippet"] and matches[0]["documentTitle"] == "notes"
    assert [x["rank"] for x in matches] == sorted((x["rank"] for x in matches), reverse=True)


async def test_upload_limits_store_nothing(hub: Any, sessions: Any, workspace: str) -> None:
    kb = (await hub.post("/api/v1/knowledge-bases", json={"name": "Limits"})).json()
    docs = f"/api/v1/knowledge-bases/{kb['id']}/documents"
    big = b"a" * (10 * 1024 * 1024 + 1)
    _error(await hub.post(docs, files={"file": ("big.txt", big, "text/plain")}), 413,
           "PAYLOAD_TOO_LARGE")  # fmt: skip
    error = _error(
        await hub.post(docs, files={"file": ("tool.exe", b"MZ", "application/octet-stream")}),
        422,
        "VALIDATION_ERROR",
    )
    assert error["details"][0]["field"] == "file"
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(m.KbDocument)
            .where(m.KbDocument.workspace_id == workspace)
        )
    assert count == 0


async def test_unreadable_pdf_fails_with_reason(hub: Any, engine: Any, settings: Any) -> None:
    kb = (await hub.post("/api/v1/knowledge-bases", json={"name": "PDFs"})).json()
    docs = f"/api/v1/knowledge-bases/{kb['id']}/documents"
    doc = (
        await hub.post(docs, files={"file": ("x.pdf", b"%PDF-1.4 broken", "application/pdf")})
    ).json()
    await run_due_jobs(engine, settings, queues=["coaching"])
    one = (await hub.get(f"{docs}/{doc['id']}")).json()
    assert one["processing_status"] == "failed" and one["metadata"]["processing_error"]
    assert one["chunks"] == []


async def test_programs_lifecycle(hub: Any, sessions: Any, workspace: str) -> None:
    created = await _ok(
        await hub.post("/api/v1/programs", json=request_of("POST /api/v1/programs")),
        "POST /api/v1/programs",
        201,
    )
    assert created["status"] == "draft" and created["version"] == 1
    pid = created["id"]
    listed = await _ok(await hub.get("/api/v1/programs"), "GET /api/v1/programs")
    assert listed["pagination"] == {"page": 1, "limit": 20, "total": 1, "pages": 1}
    _error(await hub.post(f"/api/v1/users/{U1}/programs/{pid}/enroll"), 422, "VALIDATION_ERROR")
    published = await _ok(
        await hub.post(f"/api/v1/programs/{pid}/publish"),
        "POST /api/v1/programs/{program_id}/publish",
    )
    assert published["status"] == "published" and published["version"] == 1
    enrolled = await _ok(
        await hub.post(f"/api/v1/users/{U1}/programs/{pid}/enroll"),
        "POST /api/v1/users/{user_id}/programs/{program_id}/enroll",
        201,
    )
    assert enrolled["status"] == "active" and enrolled["user_id"] == U1
    _error(await hub.post(f"/api/v1/users/{U1}/programs/{pid}/enroll"), 422, "VALIDATION_ERROR")

    flow = json.loads(json.dumps(FLOW))
    flow["nodes"][1]["data"]["message"] = "Welcome aboard!"
    updated = await _ok(
        await hub.put(f"/api/v1/programs/{pid}", json={"flow_definition": flow}),
        "GET /api/v1/programs/{program_id}",
    )
    assert updated["version"] == 2 and updated["status"] == "published"
    detail = await _ok(
        await hub.get(f"/api/v1/programs/{pid}"), "GET /api/v1/programs/{program_id}"
    )
    assert detail["analytics"]["total_enrollments"] == 1
    assert detail["analytics"]["active_enrollments"] == 1 and detail["enrollment_count"] == 1
    async with sessions() as session:
        versions = (
            await session.scalars(
                select(m.ProgramVersion.version)
                .where(m.ProgramVersion.workspace_id == workspace)
                .order_by(m.ProgramVersion.version)
            )
        ).all()
        kept = await session.scalar(
            select(m.Enrollment.program_version).where(m.Enrollment.workspace_id == workspace)
        )
        events = (await session.execute(text(
            "SELECT type, payload FROM events WHERE workspace_id = :ws ORDER BY created_at"),
            {"ws": workspace})).all()  # fmt: skip
    assert list(versions) == [1, 2] and kept == 1
    (event,) = [p for t, p in events if t == "program.enrolled"]
    assert event.pop("enrolled_at")[:19] == enrolled["enrolled_at"][:19]
    assert event == {"enrollment_id": enrolled["enrollment_id"], "user_id": U1,
                     "program_id": pid, "status": "active"}  # fmt: skip

    archived = await _ok(
        await hub.post(f"/api/v1/programs/{pid}/archive"), "GET /api/v1/programs/{program_id}"
    )
    assert archived["status"] == "archived"
    _error(await hub.post(f"/api/v1/programs/{pid}/publish"), 422, "VALIDATION_ERROR")
    _error(await hub.post(f"/api/v1/users/{U2}/programs/{pid}/enroll"), 422, "VALIDATION_ERROR")
    drafts = (await hub.get("/api/v1/programs", params={"status": "draft"})).json()
    assert drafts["programs"] == []


@pytest.mark.parametrize(
    ("change", "node"),
    [
        (lambda f: f["nodes"].append({"id": "s2", "type": "start", "data": {}}), "s2"),
        (lambda f: f["edges"].append({"id": "e9", "source": "start", "target": "nowhere"}),
         "nowhere"),
        (lambda f: f["nodes"].append({"id": "lonely", "type": "send_message",
                                      "data": {"message": "hi"}}), "lonely"),
        (lambda f: f["nodes"][1].update(type="teleport"), "message_1"),
        (lambda f: f["nodes"][1]["data"].update(delay_hours=10_000), "message_1"),
        (lambda f: f["nodes"][1]["data"].update(delay_hours=-1), "message_1"),
    ],
)  # fmt: skip
async def test_bad_flows_name_the_node(hub: Any, change: Any, node: str) -> None:
    body = json.loads(json.dumps(request_of("POST /api/v1/programs")))
    change(body["flow_definition"])
    error = _error(await hub.post("/api/v1/programs", json=body), 422, "VALIDATION_ERROR")
    assert node in [d["node_id"] for d in error["details"]], error
    assert (await hub.get("/api/v1/programs")).json()["pagination"]["total"] == 0


async def test_users(hub: Any, sessions: Any, workspace: str) -> None:
    listed = await _ok(await hub.get("/api/v1/users", params={"sort": "engagement_score"}),
                       "GET /api/v1/users")  # fmt: skip
    assert [u["id"] for u in listed["users"]] == [U1, U2]
    assert listed["users"][0]["total_interactions"] == 2
    web = (await hub.get("/api/v1/users", params={"channel": "whatsapp"})).json()
    assert [u["id"] for u in web["users"]] == [U2]
    found = (await hub.get("/api/v1/users", params={"search": "ada"})).json()
    assert [u["id"] for u in found["users"]] == [U1]
    one = await _ok(await hub.get(f"/api/v1/users/{U1}"), "GET /api/v1/users/{user_id}")
    assert len(one["recent_interactions"]) == 2
    changed = await _ok(
        await hub.put(f"/api/v1/users/{U1}", json=request_of("PUT /api/v1/users/{user_id}")),
        "GET /api/v1/users/{user_id}",
    )
    assert changed["timezone"] == "America/New_York" and changed["language"] == "en"
    async with sessions() as session:
        events = (await session.execute(text(
            "SELECT payload FROM events WHERE workspace_id = :ws AND type = 'user.updated'"),
            {"ws": workspace})).scalars().all()  # fmt: skip
    assert len(events) == 1 and events[0]["user_id"] == U1
    assert set(events[0]["changed"]) == {"profile_data", "timezone", "language"}
    _error(await hub.get("/api/v1/users", params={"sort": "name"}), 422, "VALIDATION_ERROR")


async def test_channels_keep_secrets(
    hub: Any, sessions: Any, workspace: str, settings: Any
) -> None:
    request = json.loads(json.dumps(request_of("POST /api/v1/channels")))
    request["configuration"].update(access_token="wa-secret-1", webhook_verify_token="verify-2")
    created = await _ok(
        await hub.post("/api/v1/channels", json=request), "POST /api/v1/channels", 201
    )
    assert created["status"] == "pending_verification"
    assert created["configuration"]["webhook_url"].endswith(f"/webhooks/whatsapp/{created['id']}")
    assert "access_token" not in created["configuration"]
    listed = await _ok(await hub.get("/api/v1/channels"), "GET /api/v1/channels")
    assert [c["id"] for c in listed["channels"]] == [CH, created["id"]]
    assert listed["channels"][0]["user_count"] == 1
    updated = await hub.put(f"/api/v1/channels/{created['id']}",
                            json={"channel_name": "WhatsApp support", "configuration":
                                  {"access_token": "rotated-token"}})  # fmt: skip
    assert updated.status_code == 200 and updated.json()["channel_name"] == "WhatsApp support"
    for body in (created, listed, updated.json()):
        for secret in ("wa-secret-1", "verify-2", "rotated-token"):
            assert secret not in json.dumps(body)
    async with sessions() as session:
        stored = await session.scalar(
            select(m.Channel.configuration).where(
                m.Channel.workspace_id == workspace, m.Channel.id == uuid.UUID(created["id"])
            )
        )
    assert SecretBox.from_settings(settings).open(stored["access_token"]) == "rotated-token"
    assert "verify-2" not in json.dumps(stored)
    assert SecretBox.from_settings(settings).open(stored["webhook_verify_token"]) == "verify-2"

    analytics = await _ok(
        await hub.get(f"/api/v1/channels/{CH}/analytics",
                      params={"start_date": "2024-03-07", "end_date": "2024-03-09"}),
        "GET /api/v1/channels/{channel_id}/analytics",
    )  # fmt: skip
    assert analytics["date_range"] == {"start_date": "2024-03-07", "end_date": "2024-03-09"}
    assert analytics["metrics"] == {
        "total_messages": 2, "unique_users": 1, "new_users": 1,
        "average_response_time_seconds": 3.0, "user_satisfaction_score": 4.0,
        "engagement_rate": 1.0,
    }  # fmt: skip
    assert [(d["date"], d["messages"], d["new_users"]) for d in analytics["daily_breakdown"]] == [
        ("2024-03-07", 0, 0), ("2024-03-08", 2, 1), ("2024-03-09", 0, 0)]  # fmt: skip
    only = (await hub.get(f"/api/v1/channels/{CH}/analytics", params={"metrics": "users"})).json()
    assert set(only["metrics"]) == {"unique_users", "new_users"}


async def test_analytics(hub: Any) -> None:
    overview = await _ok(await hub.get("/api/v1/analytics/overview", params={"period": "30d"}),
                         "GET /api/v1/analytics/overview")  # fmt: skip
    assert overview["summary"] == {
        "total_users": 2, "new_users": 2, "active_users": 2, "total_interactions": 3,
        "ai_interactions": 1, "human_escalations": 1, "average_engagement_score": 0.6,
        "program_completions": 0,
    }  # fmt: skip
    detailed = await _ok(
        await hub.get("/api/v1/analytics/detailed", params={
            "metric": "interactions", "start_date": "2024-03-08", "end_date": "2024-03-10"}),
        "GET /api/v1/analytics/detailed",
    )  # fmt: skip
    assert [(p["date"], p["value"], p["segments"]) for p in detailed["data"]] == [
        ("2024-03-08", 2, {"web": 2}),
        ("2024-03-09", 1, {"whatsapp": 1}),
        ("2024-03-10", 0, {}),
    ]
    assert detailed["totals"] == {"total_value": 3, "average_daily": 1.0, "peak_value": 2,
                                  "peak_date": "2024-03-08"}  # fmt: skip
    _error(await hub.get("/api/v1/analytics/overview", params={"period": "2d"}), 422,
           "VALIDATION_ERROR")  # fmt: skip


async def test_proactive_rules(hub: Any, upload: Any) -> None:
    created = await _ok(
        await hub.post("/api/v1/proactive-engine/rules",
                       json=request_of("POST /api/v1/proactive-engine/rules")),
        "POST /api/v1/proactive-engine/rules",
        201,
    )  # fmt: skip
    await upload("rule_triggers", [
        {"rule_id": created["id"], "user_id": U1, "triggered_at": "2024-03-08T00:00:00Z",
         "succeeded": True, "responded_at": "2024-03-08T02:30:00Z"},
        {"rule_id": created["id"], "user_id": U2, "triggered_at": "2024-03-08T00:00:00Z"},
    ])  # fmt: skip
    rules = await _ok(await hub.get("/api/v1/proactive-engine/rules"),
                      "GET /api/v1/proactive-engine/rules")  # fmt: skip
    assert rules["rules"][0]["triggered_count"] == 2 and rules["rules"][0]["success_rate"] == 0.5
    analytics = await _ok(await hub.get("/api/v1/proactive-engine/analytics"),
                          "GET /api/v1/proactive-engine/analytics")  # fmt: skip
    assert analytics["summary"] == {
        "total_triggers": 2,
        "successful_engagements": 1,
        "success_rate": 0.5,
        "average_response_time_hours": 2.5,
    }
    assert analytics["rule_performance"][0]["triggers"] == 2
    bad = dict(
        request_of("POST /api/v1/proactive-engine/rules"), trigger_conditions={"type": "moon"}
    )
    _error(await hub.post("/api/v1/proactive-engine/rules", json=bad), 422, "VALIDATION_ERROR")


async def test_other_workspaces_ids_answer_404(hub: Any, sessions: Any) -> None:
    kb = (await hub.post("/api/v1/knowledge-bases", json={"name": "Mine"})).json()
    program = (await hub.post("/api/v1/programs", json=request_of("POST /api/v1/programs"))).json()
    async with sessions.begin() as session:
        session.add(Workspace(id="ws_coaching_other", name="Other", slug="ws_coaching_other"))
    hub.caller.principal = Principal(workspace_id="ws_coaching_other", subject="test")
    for method, path in [
        ("GET", f"/api/v1/knowledge-bases/{kb['id']}/documents"),
        ("POST", f"/api/v1/knowledge-bases/{kb['id']}/documents"),
        ("GET", f"/api/v1/programs/{program['id']}"),
        ("PUT", f"/api/v1/programs/{program['id']}"),
        ("POST", f"/api/v1/programs/{program['id']}/publish"),
        ("POST", f"/api/v1/programs/{program['id']}/archive"),
        ("GET", f"/api/v1/users/{U1}"),
        ("PUT", f"/api/v1/users/{U1}"),
        ("POST", f"/api/v1/users/{U1}/programs/{program['id']}/enroll"),
        ("PUT", f"/api/v1/channels/{CH}"),
        ("GET", f"/api/v1/channels/{CH}/analytics"),
        ("GET", "/api/v1/programs/not-a-uuid"),
    ]:
        kw: dict[str, Any] = {}
        if method == "PUT":
            kw["json"] = {}
        if method == "POST" and path.endswith("/documents"):
            kw["files"] = {"file": ("a.txt", b"hello", "text/plain")}
        _error(await hub.request(method, path, **kw), 404, "RESOURCE_NOT_FOUND")
    assert (await hub.get("/api/v1/users")).json()["users"] == []


async def test_analytics_export_by_job_for_its_owner_only(
    hub: Any, engine: Any, settings: Any, graphql: Any, workspace: str, sessions: Any
) -> None:
    request = dict(request_of("POST /api/v1/analytics/export"),
                   start_date="2024-03-07", end_date="2024-03-09")  # fmt: skip
    answer = await _ok(await hub.post("/api/v1/analytics/export", json=request),
                       "POST /api/v1/analytics/export", 202)  # fmt: skip
    assert answer["status"] == "processing"
    await run_due_jobs(engine, settings, queues=["coaching"])
    result = await graphql(
        "query($id: ID!) { coachingExport(id: $id) { status downloadPath expiresAt } }",
        {"id": answer["export_id"]},
    )
    export = result.data["coachingExport"]
    assert export["status"] == "completed" and export["expiresAt"]
    downloaded = await hub.get(export["downloadPath"])
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.text == (
        "date,users,interactions,programs\n2024-03-07,0,0,0\n2024-03-08,0,2,0\n2024-03-09,0,1,0\n"
    )
    hub.caller.principal = Principal(workspace_id=workspace, subject="someone-else")
    assert (await hub.get(export["downloadPath"])).status_code == 404
    async with sessions.begin() as session:
        session.add(Workspace(id="ws_coaching_export", name="Other", slug="ws_coaching_export"))
    hub.caller.principal = Principal(workspace_id="ws_coaching_export", subject="test")
    assert (await hub.get(export["downloadPath"])).status_code == 404
    hub.caller.principal = Principal(workspace_id=workspace, subject="test")
    bad = dict(request, metrics=["weather"])
    _error(await hub.post("/api/v1/analytics/export", json=bad), 422, "VALIDATION_ERROR")


async def test_enrolment_walks_the_flow_once_across_worker_restarts(
    hub: Any, upload: Any, engine: Any, settings: Any, sessions: Any, workspace: str
) -> None:
    badge = "44444444-4444-4444-8444-444444444444"
    await upload(
        "badges", [{"id": badge, "name": "Finisher", "created_at": "2024-03-01T00:00:00Z"}]
    )
    flow = {
        "nodes": [
            {"id": "start", "type": "start", "data": {}},
            {"id": "hello", "type": "send_message", "data": {"message": "Hi!", "delay_hours": 0}},
            {
                "id": "later",
                "type": "send_message",
                "data": {"message": "Day 2", "delay_hours": 24},
            },
            {"id": "done", "type": "end", "data": {}},
        ],
        "edges": [
            {"id": "a", "source": "start", "target": "hello"},
            {"id": "b", "source": "hello", "target": "later"},
            {"id": "c", "source": "later", "target": "done"},
        ],
    }
    program = (
        await hub.post(
            "/api/v1/programs",
            json={
                "name": "Two days",
                "flow_definition": flow,
                "settings": {"completion_badge": badge},
            },
        )
    ).json()
    assert (await hub.post(f"/api/v1/programs/{program['id']}/publish")).status_code == 200
    enrolled = await hub.post(f"/api/v1/users/{U2}/programs/{program['id']}/enroll")
    assert enrolled.status_code == 201, enrolled.text

    async def sent() -> int:
        async with sessions() as session:
            return await session.scalar(select(func.count()).select_from(m.Interaction).where(
                m.Interaction.workspace_id == workspace,
                m.Interaction.program_id == uuid.UUID(program["id"])))  # fmt: skip

    await run_due_jobs(engine, settings, queues=["coaching"])
    assert await sent() == 1  # the second message waits its 24 hours
    async with sessions() as session:
        enrollment = await session.scalar(select(m.Enrollment).where(
            m.Enrollment.workspace_id == workspace))  # fmt: skip
    assert enrollment.current_node == "later" and enrollment.status == "active"
    # A new worker (the first one is gone), run again before and after the day has passed.
    await run_due_jobs(engine, settings, queues=["coaching"])
    assert await sent() == 1
    async with sessions.begin() as session:
        await session.execute(text(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
            "AND task_name = 'coaching:advance_enrollment'"))  # fmt: skip
    await run_due_jobs(engine, settings, queues=["coaching"])
    await run_due_jobs(engine, settings, queues=["coaching"])
    assert await sent() == 2
    async with sessions() as session:
        done = await session.scalar(select(m.Enrollment).where(
            m.Enrollment.workspace_id == workspace))  # fmt: skip
        awards = (await session.scalars(select(m.BadgeAward.badge_id).where(
            m.BadgeAward.workspace_id == workspace))).all()  # fmt: skip
        completed = (await session.execute(text(
            "SELECT payload FROM events WHERE workspace_id = :ws AND type = 'program.completed'"),
            {"ws": workspace})).scalars().all()  # fmt: skip
    assert done.status == "completed" and done.progress == 1.0 and done.completed_at
    assert [str(a) for a in awards] == [badge]
    assert len(completed) == 1 and completed[0]["badge_id"] == badge
    user = (await hub.get(f"/api/v1/users/{U2}")).json()
    assert user["badges_earned"][0]["badge_name"] == "Finisher"
    assert user["program_enrollments"][0]["status"] == "completed"
