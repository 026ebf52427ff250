"""Email: lead imports (the documented body and a CSV upload) with every row checked;
campaigns sent through the email adapter's sandbox, bounces and unsubscribes updating the
lead and recording their events; sequences stored with their steps."""

from __future__ import annotations

from gateway.adapters import sandbox
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_builders import lead
from tests.utils.organic_jobs import events


async def _import(api, workspace, rows, **body):  # type: ignore[no-untyped-def]
    answer = await api.post(
        "/api/email/leads/import", json={"workspaceId": workspace, "data": rows, **body}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


async def _emails(api, workspace):  # type: ignore[no-untyped-def]
    page = (
        await api.get("/api/email/leads", params={"workspaceId": workspace, "limit": 100})
    ).json()
    return sorted(x["email"] for x in page["data"]["leads"])


async def test_every_row_is_checked_and_only_good_rows_are_written(
    api, workspace, upload, sessions
):
    await upload("leads", [lead(1, email="taken@example.test")])
    rows = [
        {"email": "ada@example.test", "name": "Ada", "company": "Loom"},
        {"email": "not-an-email"},
        {"name": "No address"},
        {"email": "ADA@example.test"},
        {"email": "taken@example.test"},
        "just a string",
        {"email": "a@" + "b" * 250 + ".test"},
        {"email": " grace@example.test ", "name": "Grace"},
    ]
    result = await _import(
        api,
        workspace,
        rows,
        source="csv_upload",
        tags=["imported"],
        mapping={"email": "email", "name": "name", "customFields": {"company": "company"}},
    )
    assert result == {
        "imported": 2,
        "skipped": 6,
        "errors": [
            {"row": 2, "error": "Invalid email format"},
            {"row": 3, "error": "Missing email (column 'email')"},
            {"row": 4, "error": "Duplicate email (first on row 1)"},
            {"row": 5, "error": "A lead with this email already exists"},
            {"row": 6, "error": "A row must be an object of columns"},
            {"row": 7, "error": "Invalid email format"},
        ],
    }
    assert await _emails(api, workspace) == [
        "ada@example.test",
        "grace@example.test",
        "taken@example.test",
    ]
    created = await events(sessions, workspace, "lead.created")
    assert sorted(e["email"] for e in created[-2:]) == ["ada@example.test", "grace@example.test"]
    ada = next(e for e in created if e["email"] == "ada@example.test")
    assert ada["customFields"] == {"company": "Loom"} and ada["tags"] == ["imported"]
    assert ada["source"] == "csv_upload"


async def test_bad_bodies_are_refused_whole(api, workspace):
    for body in (
        {"workspaceId": workspace},
        {"workspaceId": workspace, "data": "not a list"},
        {"workspaceId": workspace, "data": [], "mapping": {"customFields": {"x": 1}}},
        {"workspaceId": workspace, "data": [{}] * 50_001},
    ):
        answer = await api.post("/api/email/leads/import", json=body)
        assert answer.status_code == 400, body.keys()
        assert answer.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await _emails(api, workspace) == []


async def test_a_csv_upload(api, workspace):
    csv = "Email Address,Full Name\nlin@example.test,Lin\nbroken,Nobody\n"
    multipart = await api.post(
        "/api/email/leads/import",
        data={
            "workspaceId": workspace,
            "source": "csv_upload",
            "tags": "csv,march",
            "mapping": '{"email": "Email Address", "name": "Full Name"}',
        },
        files={"file": ("leads.csv", csv.encode(), "text/csv")},
    )
    assert multipart.json()["data"] == {
        "imported": 1,
        "skipped": 1,
        "errors": [{"row": 2, "error": "Invalid email format"}],
    }
    raw = await api.post(
        "/api/email/leads/import",
        params={"workspaceId": workspace},
        content=b"email,name\nmo@example.test,Mo\n",
        headers={"content-type": "text/csv"},
    )
    assert raw.json()["data"]["imported"] == 1
    page = (
        await api.get("/api/email/leads", params={"workspaceId": workspace, "tags[]": "csv"})
    ).json()
    assert [(x["email"], x["name"], x["tags"]) for x in page["data"]["leads"]] == [
        ("lin@example.test", "Lin", ["csv", "march"])
    ]
    empty = await api.post(
        "/api/email/leads/import",
        params={"workspaceId": workspace},
        content=b"",
        headers={"content-type": "text/csv"},
    )
    assert empty.status_code == 400


async def test_a_campaign_is_sent_and_bounces_and_unsubscribes_count(
    api, workspace, engine, settings, sessions, anonymous_client
):
    await _import(
        api,
        workspace,
        [
            {"email": "kim@example.test", "name": "Kim"},
            {"email": "gone@bounce.example.test"},
            {"email": "other@example.test"},
        ],
        tags=["customer"],
    )
    await _import(api, workspace, [{"email": "skip@example.test"}], tags=["prospect"])
    created = await api.post(
        "/api/email/campaigns",
        json={
            "workspaceId": workspace,
            "name": "Spring Sale",
            "type": "one-time",
            "segment": {
                "criteria": [{"field": "tags", "operator": "contains", "value": "customer"}]
            },
            "content": {"subject": "Hello {{name}}", "html": "<p>Hi {{name}}</p>"},
        },
    )
    campaign = created.json()["data"]["campaign"]
    assert campaign["recipientCount"] == 3 and campaign["status"] == "active"
    await run_due_jobs(engine, settings)
    listed = (await api.get("/api/email/campaigns", params={"workspaceId": workspace})).json()
    shown = listed["data"]["campaigns"][0]
    assert shown["status"] == "completed" and shown["metrics"]["sent"] == 2
    sent = await sandbox.calls(sessions, workspace, "email")
    assert sorted(c.payload["to"] for c in sent) == [
        "gone@bounce.example.test",
        "kim@example.test",
        "other@example.test",
    ]
    kim = next(c for c in sent if c.payload["to"] == "kim@example.test")
    assert kim.payload["subject"] == "Hello Kim" and kim.payload["html"] == "<p>Hi Kim</p>"
    assert len(await events(sessions, workspace, "email.sent")) == 2
    (bounce,) = await events(sessions, workspace, "email.bounced")
    assert bounce["email"] == "gone@bounce.example.test" and bounce["reason"].startswith("550")
    bounced = (
        await api.get("/api/email/leads", params={"workspaceId": workspace, "status": "bounced"})
    ).json()
    assert [x["email"] for x in bounced["data"]["leads"]] == ["gone@bounce.example.test"]
    # Running again sends nobody anything twice.
    await run_due_jobs(engine, settings)
    assert len(await sandbox.calls(sessions, workspace, "email")) == 3
    link = kim.payload["headers"]["List-Unsubscribe"].strip("<>")
    path = link.split("8000", 1)[1]
    assert (await anonymous_client.get(path)).status_code == 200
    assert (await anonymous_client.post(path)).status_code == 200  # one-click, again: once
    (left,) = await events(sessions, workspace, "lead.unsubscribed")
    assert left["email"] == "kim@example.test"
    assert (await anonymous_client.get(path[:-3] + "abc")).status_code == 403


async def test_a_scheduled_campaign_and_a_sequence(api, workspace, engine, settings):
    scheduled = await api.post(
        "/api/email/campaigns",
        json={
            "workspaceId": workspace,
            "name": "Later",
            "type": "one-time",
            "content": {"subject": "Soon"},
            "schedule": {"sendAt": "2999-01-01T10:00:00Z"},
        },
    )
    assert scheduled.json()["data"]["campaign"]["status"] == "scheduled"
    sequence = await api.post(
        "/api/email/sequences",
        json={
            "workspaceId": workspace,
            "name": "Onboarding Flow",
            "trigger": {"type": "tag_added", "value": "new_customer"},
            "steps": [
                {"name": "Welcome", "delay": 0, "content": {"subject": "Welcome!"}},
                {
                    "name": "First Tips",
                    "delay": 86400,
                    "content": {"subject": "Getting Started"},
                    "condition": {"type": "email_opened", "stepId": "step_1"},
                },
            ],
        },
    )
    assert sequence.status_code == 200, sequence.text
    listed = (await api.get("/api/email/sequences", params={"workspaceId": workspace})).json()
    (shown,) = listed["data"]["sequences"]
    assert [(s["name"], s["delay"], s["subject"]) for s in shown["steps"]] == [
        ("Welcome", 0, "Welcome!"),
        ("First Tips", 86400, "Getting Started"),
    ]
    bad = await api.post(
        "/api/email/sequences",
        json={
            "workspaceId": workspace,
            "name": "Bad",
            "trigger": {"type": "tag_added"},
            "steps": [
                {
                    "name": "A",
                    "delay": 0,
                    "content": {"subject": "A"},
                    "condition": {"type": "email_opened", "stepId": "step_1"},
                }
            ],
        },
    )
    assert bad.status_code == 400
    segment = await api.post(
        "/api/email/campaigns",
        json={
            "workspaceId": workspace,
            "name": "Odd",
            "type": "one-time",
            "content": {"subject": "x"},
            "segment": {"criteria": [{"field": "shoe_size", "operator": "equals", "value": 9}]},
        },
    )
    assert segment.status_code == 400
