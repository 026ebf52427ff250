"""Email sequences that send: leads enrolled by the sequence's trigger (import, ingestion),
each step sent through the email adapter's sandbox by a real worker after its delay, once
per lead and step across restarts and concurrent workers, stopped by an unsubscribe or a
bounce. Time passes by moving the stored times (the enrolments' due times and the queued
jobs' scheduled_at) back, never by sleeping."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy import event, text

from gateway import jobs
from gateway.adapters import email as email_adapter
from gateway.adapters import sandbox
from gateway.jobs.runtime import Runtime
from gateway.organic import enrolment, sending, sequences
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_builders import lead
from tests.utils.organic_jobs import events

DAY = 86_400


async def _sequence(api: Any, workspace: str, trigger: dict[str, Any], name: str = "Onboarding"):
    answer = await api.post(
        "/api/email/sequences",
        json={
            "workspaceId": workspace,
            "name": name,
            "trigger": trigger,
            "steps": [
                {"name": "Welcome", "delay": 0, "content": {"subject": "Welcome {{name}}!"}},
                {"name": "Tips", "delay": DAY, "content": {"subject": "Getting started"}},
            ],
        },
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]["sequence"]["id"]


async def _import(api: Any, workspace: str, rows: list[dict[str, Any]], **body: Any) -> None:
    answer = await api.post(
        "/api/email/leads/import", json={"workspaceId": workspace, "data": rows, **body}
    )
    assert answer.status_code == 200, answer.text


async def _sent(sessions: Any, workspace: str) -> list[tuple[str, str]]:
    calls = await sandbox.calls(sessions, workspace, "email")
    return sorted((c.payload["to"], c.payload["subject"]) for c in calls)


async def _pass(sessions: Any, seconds: int) -> None:
    """As if `seconds` went by: every due time and every queued run moves that much earlier."""
    async with sessions.begin() as session:
        shift = {"s": seconds}
        await session.execute(
            text(
                "UPDATE sequence_enrollments SET due_at = due_at - make_interval(secs => :s) "
                "WHERE due_at IS NOT NULL"
            ),
            shift,
        )
        await session.execute(
            text(
                "UPDATE procrastinate_jobs SET scheduled_at = scheduled_at - "
                "make_interval(secs => :s) WHERE status = 'todo' AND task_name = :task"
            ),
            {**shift, "task": enrolment.RUN_TASK},
        )


async def _waiting_runs(sessions: Any, sequence_id: str) -> list[float]:
    """Seconds from now until each queued run of the sequence."""
    async with sessions() as session:
        rows = await session.scalars(
            text(
                "SELECT extract(epoch FROM scheduled_at - now()) FROM procrastinate_jobs "
                "WHERE status = 'todo' AND task_name = :task AND args ->> 'sequence_id' = :seq"
            ),
            {"task": enrolment.RUN_TASK, "seq": sequence_id},
        )
        return [float(r) for r in rows]


async def _listed(api: Any, workspace: str) -> dict[str, Any]:
    page = (await api.get("/api/email/sequences", params={"workspaceId": workspace})).json()
    return {s["id"]: s["metrics"] for s in page["data"]["sequences"]}


async def test_the_trigger_enrols_and_each_step_waits_for_its_delay(
    api, workspace, engine, settings, sessions, upload
):
    tagged = await _sequence(api, workspace, {"type": "tag_added", "value": "new_customer"})
    created = await _sequence(
        api, workspace, {"type": "lead_created", "value": "website"}, name="Site leads"
    )
    await _import(
        api,
        workspace,
        [{"email": "ada@example.test", "name": "Ada"}, {"email": "bo@example.test"}],
        tags=["new_customer"],
        source="csv_upload",
    )
    await _import(api, workspace, [{"email": "cy@example.test"}], source="website")
    # Ingestion: a new lead with the tag, and an existing lead gaining it.
    await upload("leads", [lead(1, email="di@example.test", source="website")])
    await upload(
        "leads", [lead(1, email="di@example.test", tags=["new_customer"], source="website")]
    )
    assert await _listed(api, workspace) == {
        tagged: {"enrolled": 3, "completed": 0, "converted": 0},
        created: {"enrolled": 2, "completed": 0, "converted": 0},
    }
    assert await _sent(sessions, workspace) == []  # nothing sent inside the request

    await run_due_jobs(engine, settings)
    welcome = [
        ("ada@example.test", "Welcome Ada!"),
        ("bo@example.test", "Welcome there!"),
        ("cy@example.test", "Welcome there!"),
        ("di@example.test", "Welcome Reader 1!"),
        ("di@example.test", "Welcome Reader 1!"),
    ]
    assert await _sent(sessions, workspace) == welcome
    (wait,) = await _waiting_runs(sessions, tagged)
    assert DAY - 60 < wait <= DAY
    await run_due_jobs(engine, settings)  # a day has not passed: nothing more
    assert await _sent(sessions, workspace) == welcome

    await _pass(sessions, DAY - 120)
    await run_due_jobs(engine, settings)
    assert await _sent(sessions, workspace) == welcome  # still two minutes early
    await _pass(sessions, 120)
    await run_due_jobs(engine, settings)
    tips = [(e, "Getting started") for e in ("ada", "bo", "cy", "di", "di")]
    assert await _sent(sessions, workspace) == sorted(
        welcome + [(f"{e}@example.test", s) for e, s in tips]
    )
    assert await _listed(api, workspace) == {
        tagged: {"enrolled": 3, "completed": 3, "converted": 0},
        created: {"enrolled": 2, "completed": 2, "converted": 0},
    }
    assert await _waiting_runs(sessions, tagged) == []
    sent = await events(sessions, workspace, "email.sent")
    assert len(sent) == 10 and {e["sequenceId"] for e in sent} == {tagged, created}
    assert "campaignId" not in sent[0] and sent[0]["stepId"].startswith("step_")
    leads = (await api.get("/api/email/leads", params={"workspaceId": workspace})).json()
    stats = {x["email"]: x["stats"]["emailsSent"] for x in leads["data"]["leads"]}
    assert stats == {
        "ada@example.test": 2,
        "bo@example.test": 2,
        "cy@example.test": 2,
        "di@example.test": 4,
    }


async def test_an_unsubscribe_or_a_bounce_stops_the_rest(
    api, workspace, engine, settings, sessions, anonymous_client
):
    sequence = await _sequence(api, workspace, {"type": "tag_added", "value": "trial"})
    await _import(
        api,
        workspace,
        [
            {"email": "stay@example.test"},
            {"email": "leave@example.test"},
            {"email": "gone@bounce.example.test"},
        ],
        tags=["trial"],
    )
    await run_due_jobs(engine, settings)
    calls = await sandbox.calls(sessions, workspace, "email")
    leave = next(c for c in calls if c.payload["to"] == "leave@example.test")
    link = leave.payload["headers"]["List-Unsubscribe"].strip("<>")
    assert (await anonymous_client.post(link.split("8000", 1)[1])).status_code == 200
    (bounce,) = await events(sessions, workspace, "email.bounced")
    assert bounce["sequenceId"] == sequence and bounce["email"] == "gone@bounce.example.test"

    await _pass(sessions, DAY)
    await run_due_jobs(engine, settings)
    second = [to for to, subject in await _sent(sessions, workspace) if subject != "Welcome there!"]
    assert second == ["stay@example.test"]
    async with sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    text(
                        "SELECT l.email, e.status FROM sequence_enrollments e JOIN leads l "
                        "ON l.workspace_id = e.workspace_id AND l.id = e.lead_id "
                        "WHERE e.workspace_id = :ws"
                    ),
                    {"ws": workspace},
                )
            ).all()
        )
    assert statuses == {
        "stay@example.test": "completed",
        "leave@example.test": "stopped",
        "gone@bounce.example.test": "stopped",
    }
    assert (await _listed(api, workspace))[sequence]["completed"] == 1
    graph = await api.post(
        "/graphql",
        json={"query": "{ emailSequences(first: 5) { nodes { metrics { sent stopped } } } }"},
    )
    (shown,) = graph.json()["data"]["emailSequences"]["nodes"]
    assert shown["metrics"] == {"sent": 3, "stopped": 2}  # two welcomes and one tip


async def test_a_worker_dying_mid_send_sends_nothing_twice(
    api, workspace, engine, settings, sessions
):
    sequence = await _sequence(api, workspace, {"type": "tag_added", "value": "vip"})
    await _import(api, workspace, [{"email": f"v{n}@example.test"} for n in range(3)], tags=["vip"])
    # A worker claims the due batch, sends one email, and dies before settling.
    runtime = Runtime(engine, settings)
    async with sessions.begin() as session:
        _, batch = await sequences.claim(session, workspace, sequence)
    assert len(batch) == 3
    sender = email_adapter.from_settings(settings, sessions)
    await sender.send(sending.compose(runtime, batch[0], {"subject": "Welcome there!"}))

    await run_due_jobs(engine, settings)  # the queued run, on a fresh worker
    assert await _sent(sessions, workspace) == [(batch[0]["email"], "Welcome there!")]
    await _pass(sessions, DAY)
    await run_due_jobs(engine, settings)
    # Each lead still moves on: the next step reaches all three, once each.
    tips = Counter(to for to, subject in await _sent(sessions, workspace))
    assert tips == {batch[0]["email"]: 2, **{m["email"]: 1 for m in batch[1:]}}
    async with sessions() as session:
        failed = await session.scalar(
            text(
                "SELECT count(*) FROM email_messages WHERE workspace_id = :ws "
                "AND status = 'failed' AND error LIKE 'interrupted%'"
            ),
            {"ws": workspace},
        )
    assert failed == 3


async def test_concurrent_workers_send_each_step_once(api, workspace, engine, settings, sessions):
    sequence = await _sequence(api, workspace, {"type": "tag_added", "value": "many"})
    await _import(
        api, workspace, [{"email": f"m{n}@example.test"} for n in range(40)], tags=["many"]
    )
    async with sessions.begin() as session:  # a second run of the same sequence, queued
        await jobs.defer(
            session,
            enrolment.RUN_TASK,
            queue="organic",
            args={"workspace_id": workspace, "sequence_id": sequence},
        )
    await asyncio.gather(run_due_jobs(engine, settings), run_due_jobs(engine, settings))
    sent = Counter(to for to, _ in await _sent(sessions, workspace))
    assert len(sent) == 40 and set(sent.values()) == {1}


async def test_statements_per_run_do_not_grow_with_the_leads(
    api, workspace, engine, settings, sessions
):
    """A run over 3 due leads and one over 60 make the same statements (the sandbox's own
    record of each email aside, which a real SMTP adapter does not write)."""

    async def statements_for(tag: str, count: int) -> int:
        sequence = await _sequence(api, workspace, {"type": "tag_added", "value": tag}, name=tag)
        rows = [{"email": f"{tag}{n}@example.test"} for n in range(count)]
        await _import(api, workspace, rows, tags=[tag])
        seen: list[str] = []

        def count_statement(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if "sandbox_calls" not in statement:
                seen.append(statement)

        event.listen(engine.sync_engine, "before_cursor_execute", count_statement)
        try:
            await sequences.run_sequence(Runtime(engine, settings), workspace, sequence)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count_statement)
        assert len(await sandbox.calls(sessions, workspace, "email")) >= count
        return len(seen)

    assert await statements_for("few", 3) == await statements_for("lots", 60)


async def test_unknown_triggers_are_refused(api, workspace):
    for trigger in (
        {"type": "form_submitted"},
        {"type": "tag_added"},
        {"type": "tag_added", "value": 3},
    ):
        answer = await api.post(
            "/api/email/sequences",
            json={
                "workspaceId": workspace,
                "name": "Odd",
                "trigger": trigger,
                "steps": [{"name": "A", "delay": 0, "content": {"subject": "A"}}],
            },
        )
        assert answer.status_code == 400, trigger
        assert answer.json()["error"]["code"] == "VALIDATION_ERROR"
    assert await _listed(api, workspace) == {}


async def test_a_run_finding_the_sequence_busy_runs_again_later(
    api, workspace, engine, settings, sessions
):
    sequence = await _sequence(api, workspace, {"type": "tag_added", "value": "busy"})
    await _import(api, workspace, [{"email": "wait@example.test"}], tags=["busy"])
    async with sessions.begin() as session:  # as if this worker had taken the queued run
        await session.execute(
            text(
                "DELETE FROM procrastinate_jobs "
                "WHERE status = 'todo' AND args ->> 'sequence_id' = :s"
            ),
            {"s": sequence},
        )
    key = {"key": f"sequence:{workspace}:{sequence}"}
    runtime = Runtime(engine, settings)
    async with engine.connect() as other:  # another worker's run holds the sequence
        await other.execute(text("SELECT pg_advisory_lock(hashtextextended(:key, 0))"), key)
        assert await sequences.run_sequence(runtime, workspace, sequence) == "another run is going"
        await other.execute(text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))"), key)
        await other.commit()
    assert await _sent(sessions, workspace) == []
    (wait,) = await _waiting_runs(sessions, sequence)
    assert 0 < wait <= 5
    assert await sequences.run_sequence(runtime, workspace, sequence) == "1 sent"
