"""Spec 002's proactive engine running on the job engine (a real worker over the test
database): rules fire at the threshold edge, once per user and window, for the users they
apply to; messages are rendered and recorded on the user's channel; a reply within the
success window counts; the routes report those records; a run's statements do not grow
with the number of end users."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select

from gateway import jobs
from gateway.coaching import proactive
from gateway.database import session_factory
from models import coaching as m
from models.tenancy import Workspace
from tests.utils.coaching import channel, program, uid
from tests.utils.jobs import run_due_jobs

NOW = dt.datetime(2024, 5, 6, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)


def _t(moment: dt.datetime) -> str:
    return moment.isoformat()


def _user(n: int, last_active: dt.datetime | None, **kw: Any) -> dict[str, Any]:
    return {
        "id": uid("user", n),
        "external_id": f"ext-{n}",
        "channel": kw.pop("channel", "web"),
        "profile_data": kw.pop("profile_data", {"name": f"Orla Venn {n}"}),
        "created_at": _t(kw.pop("created_at", NOW - dt.timedelta(days=30))),
        **({"last_active_at": _t(last_active)} if last_active else {}),
        **kw,
    }


def _rule(n: int, hours: float = 24, template: str = "Hey {user_name}!", **kw: Any) -> Any:
    conditions = {"type": "inactivity", "threshold_hours": hours, **kw.pop("conditions", {})}
    return {
        "id": uid("rule", n),
        "name": f"Nudge {n}",
        "trigger_conditions": conditions,
        "actions": kw.pop("actions", None)
        or [{"type": "send_message", "message_template": template, "delay_minutes": 0}],
        "created_at": _t(NOW - dt.timedelta(days=60)),
        **kw,
    }


async def _run(engine: Any, settings: Any, workspace: str, *moments: dt.datetime) -> None:
    """Defer one engine run per moment (all at once: they may run side by side), then let a
    real worker run them."""
    async with session_factory(engine).begin() as session:
        for moment in moments:
            await jobs.defer(
                session,
                proactive.TASK,
                queue="coaching",
                args={"timestamp": moment.timestamp(), "workspace_id": workspace},
            )
    await run_due_jobs(engine, settings, queues=["coaching"])


async def _triggers(sessions: Any, workspace: str) -> list[m.RuleTrigger]:
    async with sessions() as session:
        rows = await session.scalars(
            select(m.RuleTrigger)
            .where(m.RuleTrigger.workspace_id == workspace)
            .order_by(m.RuleTrigger.triggered_at, m.RuleTrigger.user_id)
        )
        return list(rows)


async def _messages(sessions: Any, workspace: str) -> list[m.Interaction]:
    async with sessions() as session:
        rows = await session.scalars(
            select(m.Interaction)
            .where(
                m.Interaction.workspace_id == workspace,
                m.Interaction.interaction_type == "message_received",
            )
            .order_by(m.Interaction.created_at, m.Interaction.user_id)
        )
        return list(rows)


async def test_threshold_edge_and_rendered_message(engine, settings, sessions, workspace, upload):
    threshold = NOW - 24 * HOUR
    await upload("end_users", [
        _user(1, threshold + SECOND),  # a second short of 24 h: not yet
        _user(2, threshold - SECOND, profile_data={"name": "Marlo Quist"}),
        _user(3, threshold, channel="telegram"),  # exactly 24 h
        _user(4, None, created_at=NOW - 48 * HOUR, profile_data={}),  # never active
        _user(5, NOW - 90 * 24 * HOUR, is_active=False),  # deactivated: never messaged
    ])  # fmt: skip
    await upload("proactive_rules", [
        _rule(1, template="Hey {user_name}! {first_name} on {channel}, {days_inactive} days."),
        _rule(2, is_active=False),
        _rule(3, conditions={"type": "schedule"}),  # not an inactivity rule: never fires
    ])  # fmt: skip
    await _run(engine, settings, workspace, NOW)
    fired = await _triggers(sessions, workspace)
    assert [(str(t.rule_id), str(t.user_id)) for t in fired] == [
        (uid("rule", 1), uid("user", n)) for n in (2, 3, 4)
    ]
    assert all(t.triggered_at == NOW and not t.pending for t in fired)
    sent = {str(i.user_id): (i.channel, i.content, i.created_at) for i in await _messages(
        sessions, workspace)}  # fmt: skip
    assert sent == {
        uid("user", 2): ("web", "Hey Marlo Quist! Marlo on web, 1 days.", NOW),
        uid("user", 3): ("telegram", "Hey Orla Venn 3! Orla on telegram, 1 days.", NOW),
        uid("user", 4): ("web", "Hey there! there on web, 2 days.", NOW),
    }
    # A second later user 1 crosses the threshold too; the others are in the same window.
    await _run(engine, settings, workspace, NOW + 2 * SECOND)
    assert [str(t.user_id) for t in (await _triggers(sessions, workspace))[3:]] == [uid("user", 1)]


async def test_once_per_window_also_when_runs_overlap(
    engine, settings, sessions, workspace, upload
):
    await upload("end_users", [_user(1, NOW - 30 * HOUR)])  # window 1 began 6 h ago
    await upload("proactive_rules", [_rule(1)])
    # Three runs in the same window, deferred together: run side by side on one worker.
    await _run(engine, settings, workspace, NOW, NOW + SECOND, NOW + HOUR)
    assert len(await _triggers(sessions, workspace)) == 1
    assert len(await _messages(sessions, workspace)) == 1
    await _run(engine, settings, workspace, NOW + 18 * HOUR - SECOND)  # window 1 still
    assert len(await _triggers(sessions, workspace)) == 1
    await _run(engine, settings, workspace, NOW + 18 * HOUR)  # window 2: 48 h inactive
    fired = await _triggers(sessions, workspace)
    assert [t.window_start for t in fired] == [NOW - 6 * HOUR, NOW + 18 * HOUR]
    assert len(await _messages(sessions, workspace)) == 2


async def test_applies_to(engine, settings, sessions, workspace, upload):
    long_ago = NOW - 100 * HOUR
    await upload("end_users", [
        _user(1, long_ago), _user(2, long_ago, channel="whatsapp"), _user(3, long_ago),
    ])  # fmt: skip
    await upload("programs", [program(1)])
    await upload("enrollments", [
        {"user_id": uid("user", 3), "program_id": uid("program", 1), "status": "active",
         "enrolled_at": _t(long_ago)},
    ])  # fmt: skip
    await upload("proactive_rules", [
        _rule(1, conditions={"applies_to": "all_users"}),
        _rule(2, conditions={"applies_to": "whatsapp"}),
        _rule(3, conditions={"applies_to": "enrolled_users"}),
        _rule(4, conditions={"applies_to": "unenrolled_users"}),
    ])  # fmt: skip
    await _run(engine, settings, workspace, NOW)
    by_rule: dict[str, set[str]] = {}
    for t in await _triggers(sessions, workspace):
        by_rule.setdefault(str(t.rule_id), set()).add(str(t.user_id))
    users = {n: uid("user", n) for n in (1, 2, 3)}
    assert by_rule == {
        uid("rule", 1): {users[1], users[2], users[3]},
        uid("rule", 2): {users[2]},
        uid("rule", 3): {users[3]},
        uid("rule", 4): {users[1], users[2]},
    }


async def test_delayed_message_waits(engine, settings, sessions, workspace, upload):
    await upload("end_users", [_user(1, NOW - 30 * HOUR)])
    actions = [{"type": "send_message", "message_template": "Later, {user_name}",
                "delay_minutes": 60}]  # fmt: skip
    await upload("proactive_rules", [_rule(1, actions=actions)])
    await _run(engine, settings, workspace, NOW)
    assert [t.pending for t in await _triggers(sessions, workspace)] == [True]
    assert await _messages(sessions, workspace) == []
    await _run(engine, settings, workspace, NOW + HOUR - SECOND)
    assert await _messages(sessions, workspace) == []
    await _run(engine, settings, workspace, NOW + HOUR, NOW + HOUR + SECOND)
    assert [i.content for i in await _messages(sessions, workspace)] == ["Later, Orla Venn 1"]
    assert [t.pending for t in await _triggers(sessions, workspace)] == [False]


async def test_no_success_without_a_message(engine, settings, sessions, workspace, upload):
    await upload("end_users", [_user(1, NOW - 30 * HOUR)])
    actions = [{"type": "send_message", "message_template": "Later", "delay_minutes": 60}]
    await upload("proactive_rules", [_rule(1, actions=actions)])
    await _run(engine, settings, workspace, NOW)
    await upload("interactions", [_reply(1, NOW + 30 * 60 * SECOND)])  # back on their own
    await _run(engine, settings, workspace, NOW + HOUR)
    await upload("interactions", [_reply(1, NOW + 2 * HOUR)])
    await _run(engine, settings, workspace, NOW + 3 * HOUR)
    assert await _messages(sessions, workspace) == []
    assert [(t.succeeded, t.pending) for t in await _triggers(sessions, workspace)] == [
        (False, False)
    ]


def _reply(user: int, moment: dt.datetime, **kw: Any) -> dict[str, Any]:
    return {"user_id": uid("user", user), "channel": "web", "interaction_type": "message_sent",
            "created_at": _t(moment), **kw}  # fmt: skip


async def test_success_within_the_window_only(api, engine, settings, sessions, workspace, upload):
    assert settings.proactive_success_window_hours == 48
    await upload("end_users", [_user(n, NOW - 25 * HOUR) for n in (1, 2, 3, 4)])
    await upload("proactive_rules", [_rule(1), _rule(2, hours=200)])
    await _run(engine, settings, workspace, NOW)
    await upload("interactions", [
        _reply(1, NOW + 2 * HOUR),  # within the window
        _reply(2, NOW + 48 * HOUR),  # at its very end: still within
        _reply(3, NOW + 48 * HOUR + SECOND),  # too late
        _reply(4, NOW + 3 * HOUR, interaction_type="ai_response", is_ai=True),  # not the user
    ])  # fmt: skip
    await _run(engine, settings, workspace, NOW + 50 * HOUR)
    first = [t for t in await _triggers(sessions, workspace) if t.triggered_at == NOW]
    outcome = {str(t.user_id): (t.succeeded, t.responded_at) for t in first}
    assert outcome == {
        uid("user", 1): (True, NOW + 2 * HOUR),
        uid("user", 2): (True, NOW + 48 * HOUR),
        uid("user", 3): (False, None),
        uid("user", 4): (False, None),
    }
    # What the routes report comes from those records. At NOW + 50 h users 1 (back at
    # + 2 h, silent for 48 h since) and 4 (only the AI spoke) were triggered again.
    rules = (await api.get("/api/v1/proactive-engine/rules")).json()["rules"]
    assert [(r["name"], r["triggered_count"], r["success_rate"]) for r in rules] == [
        ("Nudge 1", 6, 0.3333),
        ("Nudge 2", 0, 0.0),
    ]
    analytics = await api.get(
        "/api/v1/proactive-engine/analytics",
        params={"start_date": "2024-05-06", "end_date": "2024-05-06"},
    )
    assert analytics.status_code == 200, analytics.text
    body = analytics.json()
    assert body["summary"] == {
        "total_triggers": 4,
        "successful_engagements": 2,
        "success_rate": 0.5,
        "average_response_time_hours": 25.0,
    }
    assert [(r["rule_name"], r["triggers"], r["successes"], r["success_rate"])
            for r in body["rule_performance"]] == [
        ("Nudge 1", 4, 2, 0.5), ("Nudge 2", 0, 0, 0.0),
    ]  # fmt: skip


async def test_statements_per_run_do_not_grow_with_users(
    engine, settings, sessions, workspace, upload, count_statements
):
    async def statements(users: int) -> tuple[int, int]:
        ws = f"{workspace}_{users}"
        async with sessions.begin() as session:
            session.add(Workspace(id=ws, name="Proactive scale", slug=ws))
        records = [_user(n, NOW - 30 * HOUR) for n in range(users)]
        for k in range(0, users, 500):
            await upload("end_users", records[k : k + 500], workspace_id=ws)
        await upload("proactive_rules", [_rule(1), _rule(2, hours=12)], workspace_id=ws)
        before = count_statements.count
        async with sessions.begin() as session:
            result = await proactive.evaluate_in(
                session, now=NOW, success_window_hours=48, workspace_id=ws
            )
        used = count_statements.count - before
        async with sessions() as session:
            fired = await session.scalar(
                select(func.count()).select_from(m.RuleTrigger).where(
                    m.RuleTrigger.workspace_id == ws)
            )  # fmt: skip
        assert result.triggered == fired == 2 * users and result.delivered == 2 * users
        return used, fired

    small, _ = await statements(10)
    large, _ = await statements(1000)
    assert small == large <= 6


async def test_bad_rules_are_refused(api) -> None:
    body = {"name": "Odd", "trigger_conditions": {"type": "inactivity", "threshold_hours": 24,
            "applies_to": "everyone"}, "actions": [{"type": "send_message",
            "message_template": "Hi", "delay_minutes": -5}]}  # fmt: skip
    answer = await api.post("/api/v1/proactive-engine/rules", json=body)
    assert answer.status_code == 422, answer.text
    fields = [d["field"] for d in answer.json()["error"]["details"]]
    assert fields == ["trigger_conditions.applies_to", "actions[0].delay_minutes"]
    assert (await api.get("/api/v1/proactive-engine/rules")).json() == {"rules": []}


async def test_scheduled_every_minute_and_off_when_asked(
    engine, settings, sessions, workspace, upload
):
    job_app = jobs.create_job_app(settings.database_url or "")
    periodic = job_app.periodic_registry.periodic_tasks
    assert periodic[(proactive.TASK, "evaluate_proactive_rules")].cron == "* * * * *"
    # The tick's own job (no workspace) does nothing while the schedule is off.
    await upload("end_users", [_user(1, NOW - 30 * HOUR)])
    await upload("proactive_rules", [_rule(1)])
    async with session_factory(engine).begin() as session:
        await jobs.defer(session, proactive.TASK, queue="coaching",
                         args={"timestamp": int(NOW.timestamp())})  # fmt: skip
    await run_due_jobs(engine, settings, queues=["coaching"])
    assert await _triggers(sessions, workspace) == []


async def test_messages_go_out_through_the_users_channel(
    engine, settings, sessions, workspace, upload
):
    """A triggered message is queued on the channel of the user's type and handed to its
    adapter by the delivery job (the web widget's is local: the message is stored, sent);
    a user whose type has no channel gets the interaction only."""
    await upload("channels", [channel(1, "web"), channel(2, "telegram", status="inactive")])
    await upload("end_users", [
        _user(1, NOW - 30 * HOUR, profile_data={"name": "Tove Brann"}),
        _user(2, NOW - 30 * HOUR, channel="telegram"),
        _user(3, NOW - 30 * HOUR, channel="whatsapp"),  # no whatsapp channel here
    ])  # fmt: skip
    await upload("proactive_rules", [_rule(1)])
    await _run(engine, settings, workspace, NOW)
    async with sessions() as session:
        queued = list(
            await session.scalars(
                select(m.ChannelMessage)
                .where(m.ChannelMessage.workspace_id == workspace)
                .order_by(m.ChannelMessage.user_id)
            )
        )
    assert [(str(q.user_id), str(q.channel_id), q.direction, q.text) for q in queued] == [
        (uid("user", 1), uid("channel", 1), "outbound", "Hey Tove Brann!"),
        (uid("user", 2), uid("channel", 2), "outbound", "Hey Orla Venn 2!"),
    ]
    assert all(q.status == "sent" and q.attempts >= 1 for q in queued), [
        (q.status, q.error) for q in queued
    ]
    sent = {str(i.user_id): i.channel_id for i in await _messages(sessions, workspace)}
    assert sent == {
        uid("user", 1): uuid.UUID(uid("channel", 1)),
        uid("user", 2): uuid.UUID(uid("channel", 2)),
        uid("user", 3): None,
    }
    # A second run in the same window queues nothing more.
    await _run(engine, settings, workspace, NOW + HOUR)
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(m.ChannelMessage.workspace_id == workspace)
        )
    assert count == 2
