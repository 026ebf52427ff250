"""Spec 002's day rollups (interaction_days, user_days, user_activity, end_user_days) under
`gateway rebuild-rollups`: after random inserts, updates and deletes the rows the triggers
kept equal the rebuilt ones; and after the workspace's timezone changes and a rebuild, the
analytics routes answer what the raw rows give (the rollups count UTC days, whatever the
zone)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from gateway.database import transaction
from gateway.ingestion.rollup_rebuild import rebuild
from tests.rest.conftest import NOW
from tests.utils.coaching import channel, end_user, interaction, uid

CHANNELS = {1: "web", 2: "whatsapp", 3: "telegram"}
TYPES = ("message_sent", "message_received", "ai_response", "human_escalation")
_DAY = "(created_at AT TIME ZONE 'UTC')::date"

# Each rollup's rows with a count (the triggers keep rows brought to zero), sums rounded:
# the triggers add and subtract floats, the rebuild sums them once.
_STORED = {
    "interaction_days": (
        "SELECT day, channel, channel_id, interaction_type, is_ai, interactions, "
        "round(response_seconds_sum::numeric, 6), responses, "
        "round(satisfaction_sum::numeric, 6), ratings FROM interaction_days "
        "WHERE workspace_id = :ws AND interactions > 0"
    ),
    "user_days": (
        "SELECT day, user_id, channel_id, interactions FROM user_days "
        "WHERE workspace_id = :ws AND interactions > 0"
    ),
    "user_activity": "SELECT user_id, last_at FROM user_activity WHERE workspace_id = :ws",
    "end_user_days": (
        "SELECT day, channel, is_active, users FROM end_user_days "
        "WHERE workspace_id = :ws AND users > 0"
    ),
}


async def _rollups(sessions: Any, workspace: str) -> dict[str, set[tuple]]:
    async with sessions() as session:
        return {
            table: set((await session.execute(text(sql), {"ws": workspace})).all())
            for table, sql in _STORED.items()
        }


def _random_interaction(rng: random.Random) -> dict[str, Any]:
    chan = rng.choice(list(CHANNELS))
    kind = rng.choice(TYPES)
    extra: dict[str, Any] = {}
    if rng.random() < 0.5:
        extra["response_time_seconds"] = round(rng.uniform(0.1, 30), 3)
    if rng.random() < 0.4:
        extra["satisfaction_score"] = round(rng.uniform(1, 5), 2)
    return interaction(
        rng.randint(1, 8),
        chan,
        # hours from Mar 4 12:00 UTC: Feb 26 to Mar 8, at every hour of the UTC day
        rng.uniform(-170, 100),
        channel=CHANNELS[chan],
        interaction_type=kind,
        is_ai=kind == "ai_response",
        **extra,
    )


async def _random_writes(upload: Any, sessions: Any, workspace: str, seed: int) -> None:
    rng = random.Random(seed)
    await upload("channels", [channel(n, t) for n, t in CHANNELS.items()])
    await upload(
        "end_users",
        [end_user(n, CHANNELS[rng.choice(list(CHANNELS))]) for n in range(1, 9)],
    )
    for _ in range(3):
        await upload("interactions", [_random_interaction(rng) for _ in range(40)])
    ws = {"ws": workspace}
    async with sessions() as session:
        ids = list(
            await session.scalars(
                text("SELECT id FROM interactions WHERE workspace_id = :ws ORDER BY id"), ws
            )
        )
    moved, dropped = rng.sample(ids, 30), rng.sample(ids, 15)
    async with transaction(sessions) as session:
        for row in moved:  # across days, channels, types and scores
            chan = rng.choice(list(CHANNELS))
            await session.execute(
                text(
                    "UPDATE interactions SET created_at = created_at + make_interval("
                    "mins => :mins), channel_id = :ch, channel = :kind, is_ai = NOT is_ai, "
                    "satisfaction_score = :score WHERE workspace_id = :ws AND id = :id"
                ),
                {
                    **ws,
                    "id": row,
                    "mins": rng.randint(-3000, 3000),
                    "ch": uuid.UUID(uid("channel", chan)),
                    "kind": CHANNELS[chan],
                    "score": rng.choice([None, 1.5, 4.25]),
                },
            )
        await session.execute(
            text("DELETE FROM interactions WHERE workspace_id = :ws AND id = ANY(:ids)"),
            {**ws, "ids": dropped},
        )
        # One interaction through no configured channel.
        await session.execute(
            text("UPDATE interactions SET channel_id = NULL WHERE workspace_id = :ws AND id = :id"),
            {**ws, "id": rng.choice([i for i in ids if i not in dropped])},
        )
        await session.execute(
            text(
                "UPDATE end_users SET is_active = false, channel = 'telegram', "
                "created_at = created_at - interval '1 day' WHERE workspace_id = :ws AND id = :u"
            ),
            {**ws, "u": uuid.UUID(uid("user", rng.randint(1, 4)))},
        )
        # A user deleted with all their interactions.
        await session.execute(
            text("DELETE FROM end_users WHERE workspace_id = :ws AND id = :u"),
            {**ws, "u": uuid.UUID(uid("user", rng.randint(5, 8)))},
        )


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_rebuild_equals_what_the_triggers_kept(upload, sessions, workspace, seed):
    await _random_writes(upload, sessions, workspace, seed)
    kept = await _rollups(sessions, workspace)
    assert all(kept.values()), kept
    async with sessions.begin() as session:  # the rollups emptied by hand: the rebuild refills
        for table in _STORED:
            await session.execute(
                text(f"DELETE FROM {table} WHERE workspace_id = :ws"), {"ws": workspace}
            )
    async with transaction(sessions) as session:
        await rebuild(session, workspace)
    assert await _rollups(sessions, workspace) == kept


# What each route answers, recomputed from the raw rows (NOW is Mar 10 12:00 UTC).
_RAW_DAYS = f"""
SELECT {_DAY} AS day, channel, is_ai, interaction_type, user_id, channel_id
FROM interactions WHERE workspace_id = :ws
"""
_RAW_OVERVIEW = """
SELECT count(*) AS total, count(*) FILTER (WHERE is_ai) AS ai,
       count(*) FILTER (WHERE interaction_type = 'human_escalation') AS escalations,
       count(DISTINCT user_id) AS active
FROM interactions WHERE workspace_id = :ws
  AND created_at >= CAST(:hi AS timestamptz) - interval '30 days'
  AND created_at < CAST(:hi AS timestamptz)
"""


async def test_after_a_timezone_change_and_a_rebuild_the_routes_answer_the_raw_rows(
    api, upload, sessions, workspace
):
    await _random_writes(upload, sessions, workspace, 4)
    async with transaction(sessions) as session:
        await session.execute(
            text("UPDATE workspaces SET settings = CAST(:s AS jsonb) WHERE id = :ws"),
            {"s": '{"timezone": "Asia/Tokyo"}', "ws": workspace},
        )
        await rebuild(session, workspace)
    ws = {"ws": workspace}
    async with sessions() as session:
        rows = (await session.execute(text(_RAW_DAYS), ws)).all()
        raw = (await session.execute(text(_RAW_OVERVIEW), {**ws, "hi": NOW})).one()
        users = (
            await session.execute(
                text(f"SELECT {_DAY} AS day, is_active FROM end_users WHERE workspace_id = :ws"), ws
            )
        ).all()
    dates = {"start_date": "2024-02-24", "end_date": "2024-03-10"}

    overview = (await api.get("/api/v1/analytics/overview", params={"period": "30d"})).json()
    assert overview["summary"]["total_interactions"] == raw.total
    assert overview["summary"]["ai_interactions"] == raw.ai
    assert overview["summary"]["human_escalations"] == raw.escalations
    assert overview["summary"]["active_users"] == raw.active

    by_channel = (
        await api.get("/api/v1/analytics/detailed", params={"metric": "interactions", **dates})
    ).json()
    expected: dict[str, dict[str, int]] = {}
    for r in rows:
        day = expected.setdefault(r.day.isoformat(), {})
        day[r.channel] = day.get(r.channel, 0) + 1
    assert {p["date"]: p["segments"] for p in by_channel["data"] if p["value"]} == expected

    by_kind = (
        await api.get(
            "/api/v1/analytics/detailed",
            params={"metric": "users", "segment": "user_type", **dates},
        )
    ).json()
    joined: dict[str, dict[str, int]] = {}
    for u in users:
        if dates["start_date"] <= u.day.isoformat() <= dates["end_date"]:
            day = joined.setdefault(u.day.isoformat(), {})
            kind = "active" if u.is_active else "inactive"
            day[kind] = day.get(kind, 0) + 1
    assert {p["date"]: p["segments"] for p in by_kind["data"] if p["value"]} == joined

    web = uuid.UUID(uid("channel", 1))
    answer = (await api.get(f"/api/v1/channels/{web}/analytics", params=dates)).json()
    messages: dict[str, int] = {}
    active: dict[str, set] = {}
    for r in rows:
        if r.channel_id == web:
            active.setdefault(r.day.isoformat(), set()).add(r.user_id)
            if r.interaction_type != "human_escalation":
                messages[r.day.isoformat()] = messages.get(r.day.isoformat(), 0) + 1
    daily = {d["date"]: (d["messages"], d["users"]) for d in answer["daily_breakdown"]}
    assert {d: v for d, v in daily.items() if v != (0, 0)} == {
        d: (messages.get(d, 0), len(active[d])) for d in active
    }
    assert answer["metrics"]["total_messages"] == sum(messages.values())
    assert answer["metrics"]["unique_users"] == len(set().union(*active.values()))
