"""Email opens (spec 003): every email a campaign or a sequence sends carries its own open
pixel; loading it answers a 1x1 transparent GIF nobody caches and records the first open
once (the lead's emailsOpened, the campaign's or step's opened, the open rates). A step
with an `email_opened` condition is sent only to the leads who opened the step it names;
the others skip it and still get the next one on schedule. Forged, altered and replayed
tokens record nothing and still answer the image. Time passes as in
test_organic_sequences.py: the stored due times move back, nobody sleeps."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import text

from gateway.adapters import sandbox
from gateway.organic import opens
from gateway.settings import Settings
from tests.rest.test_organic_sequences import DAY, _import, _pass, _waiting_runs
from tests.utils.jobs import run_due_jobs

GIF = b"GIF89a\x01\x00\x01\x00"  # a GIF89a of 1x1 pixels


async def _pixels(sessions: Any, workspace: str) -> dict[tuple[str, str], str]:
    """(recipient, subject) -> the path and query of that email's open pixel."""
    calls = await sandbox.calls(sessions, workspace, "email")
    found = {}
    for call in calls:
        url = urlsplit(call.payload["open_pixel"])
        found[(call.payload["to"], call.payload["subject"])] = f"{url.path}?{url.query}"
    return found


async def _load(client: Any, path: str) -> None:
    """A mail client loading the pixel: whatever the token, the same uncached image."""
    answer = await client.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/gif"
    assert answer.content.startswith(GIF) and answer.content.endswith(b";")
    assert len(answer.content) == 43
    assert "no-store" in answer.headers["cache-control"]


async def _messages(sessions: Any, workspace: str) -> dict[tuple[str, str], tuple[str, bool]]:
    """(recipient, step name or campaign name) -> (status, opened)."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT m.email, coalesce(st.name, c.name) AS what, m.status, "
                "m.opened_at IS NOT NULL AS opened FROM email_messages m "
                "LEFT JOIN sequence_steps st ON st.workspace_id = m.workspace_id "
                "  AND st.id = m.step_id "
                "LEFT JOIN email_campaigns c ON c.workspace_id = m.workspace_id "
                "  AND c.id = m.campaign_id WHERE m.workspace_id = :ws"
            ),
            {"ws": workspace},
        )
        return {(r.email, r.what): (r.status, r.opened) for r in rows}


async def _opened_stats(api: Any, workspace: str) -> dict[str, int]:
    page = (await api.get("/api/email/leads", params={"workspaceId": workspace})).json()
    return {x["email"]: x["stats"]["emailsOpened"] for x in page["data"]["leads"]}


async def _conditional_sequence(api: Any, workspace: str, condition: dict[str, Any]) -> str:
    answer = await api.post(
        "/api/email/sequences",
        json={
            "workspaceId": workspace,
            "name": "Onboarding Flow",
            "trigger": {"type": "tag_added", "value": "new_customer"},
            "steps": [
                {"name": "Welcome", "delay": 0, "content": {"subject": "Welcome!"}},
                {
                    "name": "First Tips",
                    "delay": DAY,
                    "content": {"subject": "Getting Started", "html": "<p>Tips</p>"},
                    "condition": condition,
                },
                {"name": "Last Word", "delay": DAY, "content": {"subject": "See you"}},
            ],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["sequence"]["id"]


SEQUENCE_STATS = """
{ emailSequences(first: 5) { nodes {
    steps { name opened }
    metrics { sent opened skipped openRate completed } } } }"""


async def test_an_opened_step_unlocks_the_conditional_one_and_the_rest_skip_it(
    api, workspace, engine, settings, sessions, anonymous_client
):
    sequence = await _conditional_sequence(
        api, workspace, {"type": "email_opened", "stepId": "step_1"}
    )
    await _import(
        api,
        workspace,
        [{"email": "reader@example.test"}, {"email": "skimmer@example.test"}],
        tags=["new_customer"],
    )
    await run_due_jobs(engine, settings)
    pixels = await _pixels(sessions, workspace)
    assert set(pixels) == {
        ("reader@example.test", "Welcome!"),
        ("skimmer@example.test", "Welcome!"),
    }
    await _load(anonymous_client, pixels[("reader@example.test", "Welcome!")])
    assert await _opened_stats(api, workspace) == {
        "reader@example.test": 1,
        "skimmer@example.test": 0,
    }

    await _pass(sessions, DAY)
    await run_due_jobs(engine, settings)
    sent = set(await _pixels(sessions, workspace))
    assert ("reader@example.test", "Getting Started") in sent
    assert ("skimmer@example.test", "Getting Started") not in sent
    messages = await _messages(sessions, workspace)
    assert messages[("skimmer@example.test", "First Tips")] == ("skipped", False)
    assert messages[("reader@example.test", "First Tips")] == ("sent", False)
    # The skipper moves on as a sender would: the last step is due a day later for both.
    (wait,) = await _waiting_runs(sessions, sequence)
    assert DAY - 60 < wait <= DAY

    await _pass(sessions, DAY)
    await run_due_jobs(engine, settings)
    assert set(await _pixels(sessions, workspace)) == {
        ("reader@example.test", "Welcome!"),
        ("skimmer@example.test", "Welcome!"),
        ("reader@example.test", "Getting Started"),
        ("reader@example.test", "See you"),
        ("skimmer@example.test", "See you"),
    }
    graph = await api.post("/graphql", json={"query": SEQUENCE_STATS})
    (shown,) = graph.json()["data"]["emailSequences"]["nodes"]
    assert shown["steps"] == [
        {"name": "Welcome", "opened": 1},
        {"name": "First Tips", "opened": 0},
        {"name": "Last Word", "opened": 0},
    ]
    assert shown["metrics"] == {
        "sent": 5,
        "opened": 1,
        "skipped": 1,
        "openRate": 0.2,
        "completed": 2,
    }


async def test_a_condition_on_a_step_nobody_opened_skips_it_for_everyone(
    api, workspace, engine, settings, sessions
):
    await _conditional_sequence(api, workspace, {"type": "email_opened", "stepId": "step_1"})
    await _import(api, workspace, [{"email": "quiet@example.test"}], tags=["new_customer"])
    for _ in range(3):
        await run_due_jobs(engine, settings)
        await _pass(sessions, DAY)
    assert await _messages(sessions, workspace) == {
        ("quiet@example.test", "Welcome"): ("sent", False),
        ("quiet@example.test", "First Tips"): ("skipped", False),
        ("quiet@example.test", "Last Word"): ("sent", False),
    }


CAMPAIGN_STATS = "{ emailCampaigns(first: 5) { nodes { metrics { sent opened openRate } } } }"


async def _sent_campaign(api: Any, workspace: str, engine: Any, settings: Any) -> None:
    await _import(
        api,
        workspace,
        [{"email": "ann@example.test", "name": "Ann"}, {"email": "ben@example.test"}],
        tags=["customer"],
    )
    created = await api.post(
        "/api/email/campaigns",
        json={
            "workspaceId": workspace,
            "name": "Spring Sale",
            "type": "one-time",
            "segment": {
                "criteria": [{"field": "tags", "operator": "contains", "value": "customer"}]
            },
            "content": {"subject": "Hello {{name}}", "text": "Twenty percent off."},
        },
    )
    assert created.status_code == 200, created.text
    await run_due_jobs(engine, settings)


async def test_the_pixel_twice_counts_once_and_the_stats_show_it(
    api, workspace, engine, settings, sessions, anonymous_client
):
    await _sent_campaign(api, workspace, engine, settings)
    pixels = await _pixels(sessions, workspace)
    ann = pixels[("ann@example.test", "Hello Ann")]
    assert ann != pixels[("ben@example.test", "Hello there")]  # one per message
    await _load(anonymous_client, ann)
    async with sessions() as session:
        first = await session.scalar(
            text("SELECT opened_at FROM email_messages WHERE workspace_id = :ws AND email = :e"),
            {"ws": workspace, "e": "ann@example.test"},
        )
    await _load(anonymous_client, ann)  # the same client again, and a proxy's prefetch
    await _load(anonymous_client, ann)
    async with sessions() as session:
        again = await session.scalar(
            text("SELECT opened_at FROM email_messages WHERE workspace_id = :ws AND email = :e"),
            {"ws": workspace, "e": "ann@example.test"},
        )
    assert first is not None and again == first
    assert await _opened_stats(api, workspace) == {"ann@example.test": 1, "ben@example.test": 0}
    listed = (await api.get("/api/email/campaigns", params={"workspaceId": workspace})).json()
    (campaign,) = listed["data"]["campaigns"]
    assert (campaign["metrics"]["sent"], campaign["metrics"]["opened"]) == (2, 1)
    graph = await api.post("/graphql", json={"query": CAMPAIGN_STATS})
    (shown,) = graph.json()["data"]["emailCampaigns"]["nodes"]
    assert shown["metrics"] == {"sent": 2, "opened": 1, "openRate": 0.5}


async def test_a_forged_or_altered_token_records_nothing_and_still_answers_the_image(
    api, workspace, engine, settings, sessions, anonymous_client
):
    await _sent_campaign(api, workspace, engine, settings)
    async with sessions() as session:
        ann = await session.scalar(
            text("SELECT id FROM email_messages WHERE workspace_id = :ws AND email = :e"),
            {"ws": workspace, "e": "ann@example.test"},
        )
    real = opens.token(settings, workspace, ann)
    named, _, signature = real.partition(".")
    other_secret = Settings(
        _env_file=None, secret_key="another-secret-of-thirty-two-characters-or-more"
    )
    forged = [
        opens.token(other_secret, workspace, ann),  # signed with another secret
        f"{named}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}",
        f"{opens.token(settings, workspace, 'msg_nosuchmessage').partition('.')[0]}.{signature}",
        f"{named}.",
        "not-a-token",
        "%%%.***",
        "",
    ]
    for value in forged:
        await _load(anonymous_client, f"{opens.PATH}?t={value}")
    await _load(anonymous_client, opens.PATH)  # no token at all
    # Signed, but naming a message that was never sent (another workspace's id space).
    await _load(anonymous_client, f"{opens.PATH}?t={opens.token(settings, 'ws_none', ann)}")
    assert await _opened_stats(api, workspace) == {"ann@example.test": 0, "ben@example.test": 0}
    messages = await _messages(sessions, workspace)
    assert not any(opened for _, opened in messages.values())
    graph = await api.post("/graphql", json={"query": CAMPAIGN_STATS})
    (shown,) = graph.json()["data"]["emailCampaigns"]["nodes"]
    assert shown["metrics"]["opened"] == 0
    head = await anonymous_client.head(f"{opens.PATH}?t={real}")  # a link checker's look
    assert head.status_code == 200 and head.headers["content-type"] == "image/gif"
    assert (await _opened_stats(api, workspace))["ann@example.test"] == 0
    await _load(anonymous_client, f"{opens.PATH}?t={real}")  # the real one still works
    assert (await _opened_stats(api, workspace))["ann@example.test"] == 1


async def test_unknown_conditions_are_refused_at_create(api, workspace):
    for condition in (
        {"type": "link_clicked", "stepId": "step_1"},
        {"type": "email_opened"},
        {"type": "email_opened", "stepId": "step_3"},  # not an earlier step
    ):
        answer = await api.post(
            "/api/email/sequences",
            json={
                "workspaceId": workspace,
                "name": "Odd",
                "trigger": {"type": "tag_added", "value": "odd"},
                "steps": [
                    {"name": "A", "delay": 0, "content": {"subject": "A"}},
                    {"name": "B", "delay": 0, "content": {"subject": "B"}, "condition": condition},
                ],
            },
        )
        assert answer.status_code == 400, condition
        error = answer.json()["error"]
        assert error["code"] == "VALIDATION_ERROR", error
    listed = (await api.get("/api/email/sequences", params={"workspaceId": workspace})).json()
    assert listed["data"]["sequences"] == []


async def test_a_failing_database_statement_still_answers_the_image(
    settings, anonymous_client, caplog
):
    # Signed, but naming a message PostgreSQL refuses to look up (text cannot hold NUL).
    broken = opens.token(settings, "ws_\x00", "msg_\x00")
    await _load(anonymous_client, f"{opens.PATH}?t={broken}")
    assert "recording an email open failed" in caplog.text
