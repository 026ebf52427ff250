"""The day rollups of interactions (interaction_days, user_days, user_activity) and of end
users (end_user_days): kept by PostgreSQL on every insert, update and delete, whoever writes
them, equal to recomputing them from the raw rows; and the analytics that read them answer what the
raw rows give, to the moment at the partial days of a period's bounds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from models import coaching as m
from resolvers.coaching_analytics import trend
from tests.utils.coaching import channel, end_user, interaction, uid

_DAY = "(created_at AT TIME ZONE 'UTC')::date"
_NIL = "'00000000-0000-0000-0000-000000000000'::uuid"
_RECOMPUTED = {
    "interaction_days": (
        f"SELECT {_DAY}, channel, coalesce(channel_id, {_NIL}), interaction_type, is_ai, "
        "count(*), round(coalesce(sum(response_time_seconds), 0)::numeric, 6), "
        "count(response_time_seconds), round(coalesce(sum(satisfaction_score), 0)::numeric, 6), "
        "count(satisfaction_score) FROM interactions WHERE workspace_id = :ws "
        "GROUP BY 1, 2, 3, 4, 5"
    ),
    "user_days": (
        f"SELECT {_DAY}, user_id, coalesce(channel_id, {_NIL}), count(*) FROM interactions "
        "WHERE workspace_id = :ws GROUP BY 1, 2, 3"
    ),
    "user_activity": (
        "SELECT user_id, max(created_at) FROM interactions WHERE workspace_id = :ws GROUP BY 1"
    ),
    "end_user_days": (
        f"SELECT {_DAY}, channel, is_active, count(*) FROM end_users WHERE workspace_id = :ws "
        "GROUP BY 1, 2, 3"
    ),
}
_STORED = {
    "interaction_days": (
        "SELECT day, channel, channel_id, interaction_type, is_ai, interactions, "
        "round(response_seconds_sum::numeric, 6), responses, "
        "round(satisfaction_sum::numeric, 6), ratings FROM interaction_days "
        "WHERE workspace_id = :ws AND interactions > 0"
    ),
    "user_days": (
        "SELECT day, user_id, channel_id, interactions FROM user_days WHERE workspace_id = :ws "
        "AND interactions > 0"
    ),
    "user_activity": "SELECT user_id, last_at FROM user_activity WHERE workspace_id = :ws",
    "end_user_days": (
        "SELECT day, channel, is_active, users FROM end_user_days WHERE workspace_id = :ws "
        "AND users > 0"
    ),
}


async def _assert_rollups_match(sessions, workspace) -> None:
    async with sessions() as session:
        for table, recompute in _RECOMPUTED.items():
            expected = set((await session.execute(text(recompute), {"ws": workspace})).all())
            stored = set((await session.execute(text(_STORED[table]), {"ws": workspace})).all())
            assert stored == expected, table
            assert expected, table


def _ai(user: int, chan: int, hours: float, **kw):
    return interaction(user, chan, hours, interaction_type="ai_response", is_ai=True, **kw)


async def _seed(upload) -> list[dict]:
    await upload("channels", [channel(1), channel(2, "whatsapp")])
    await upload("end_users", [end_user(n) for n in range(1, 6)])
    rows = [
        interaction(1, 1, 0, id=str(uuid.UUID(int=1))),
        _ai(1, 1, 0.5, response_time_seconds=1.5, satisfaction_score=4.0),
        interaction(2, 1, -100),
        _ai(2, 1, -99.5, response_time_seconds=2.25),
        interaction(3, 2, 5, channel="whatsapp", interaction_type="human_escalation"),
        # around the 7-day period's bounds pinned below (lo -151.5 h, prev -319.5 h, hi 16.5 h)
        interaction(4, 1, -152),
        _ai(4, 1, -151, satisfaction_score=2.0),
        interaction(5, 1, -320),
        _ai(5, 1, -319, satisfaction_score=5.0),
        interaction(3, 2, 16, channel="whatsapp"),
        # after "now": counts for no period, yet it is user 2's latest interaction
        interaction(2, 1, 17),
        interaction(5, 1, -200),
        interaction(5, 1, 18),
    ]
    await upload("interactions", rows)
    return rows


async def test_rollups_follow_every_write(upload, sessions, workspace):
    rows = await _seed(upload)
    await _assert_rollups_match(sessions, workspace)
    # Again with the first row repeated (kept once), plus one more.
    await upload("interactions", [rows[0], interaction(1, 1, 30)])
    await _assert_rollups_match(sessions, workspace)
    # A writer outside ingestion, with no configured channel.
    async with sessions.begin() as session:
        session.add(m.Interaction(workspace_id=workspace, id=uuid.uuid4(), user_id=uuid.UUID(
            uid("user", 3)), channel="web", interaction_type="message_sent",
            created_at=datetime(2024, 3, 2, tzinfo=UTC)))  # fmt: skip
    await _assert_rollups_match(sessions, workspace)
    # Updates moving rows across days, channels and types; deleting user 1's latest
    # interaction; a user changed; and a user deleted with all their interactions.
    async with sessions.begin() as session:
        ws = {"ws": workspace}
        await session.execute(text(
            "UPDATE interactions SET created_at = created_at - interval '2 days', "
            "channel_id = :c2, channel = 'whatsapp', is_ai = NOT is_ai, "
            "satisfaction_score = 3.5 WHERE workspace_id = :ws AND user_id = :u2"),
            {**ws, "c2": uid("channel", 2), "u2": uid("user", 2)})  # fmt: skip
        await session.execute(text(
            "DELETE FROM interactions WHERE workspace_id = :ws AND user_id = :u1 AND "
            "created_at = (SELECT max(created_at) FROM interactions WHERE workspace_id = :ws "
            "AND user_id = :u1)"), {**ws, "u1": uid("user", 1)})  # fmt: skip
        await session.execute(text(
            "UPDATE end_users SET is_active = false, channel = 'whatsapp', "
            "created_at = created_at + interval '1 day' WHERE workspace_id = :ws AND id = :u5"),
            {**ws, "u5": uid("user", 5)})  # fmt: skip
        await session.execute(
            text("DELETE FROM end_users WHERE workspace_id = :ws AND id = :u4"),
            {**ws, "u4": uid("user", 4)},
        )
    await _assert_rollups_match(sessions, workspace)
    async with sessions() as session:
        left = await session.execute(
            text(
                "SELECT count(*) FROM user_days WHERE workspace_id = :ws AND user_id = :u4 "
                "AND interactions > 0"
            ),
            {"ws": workspace, "u4": uid("user", 4)},
        )
        assert left.scalar() == 0


OVERVIEW = """
query ($period: String!) {
  coachingOverview(period: $period) {
    summary { activeUsers totalInteractions aiInteractions humanEscalations }
    trends { engagementTrend satisfactionTrend }
  }
}"""

# The overview's interaction figures as the raw rows give them.
_RAW_OVERVIEW = """
SELECT count(DISTINCT user_id) FILTER (WHERE created_at >= :lo) AS active,
       count(*) FILTER (WHERE created_at >= :lo) AS total,
       count(*) FILTER (WHERE created_at >= :lo AND is_ai) AS ai,
       count(*) FILTER (WHERE created_at >= :lo AND interaction_type = 'human_escalation') AS esc,
       count(*) FILTER (WHERE created_at < :lo) AS before,
       avg(satisfaction_score) FILTER (WHERE created_at >= :lo) AS sat,
       avg(satisfaction_score) FILTER (WHERE created_at < :lo) AS sat_before
FROM interactions WHERE workspace_id = :ws AND created_at >= :prev AND created_at < :hi
"""


async def test_overview_is_exact_at_partial_days(upload, graphql, sessions, workspace):
    await _seed(upload)
    # 04:30 UTC: the period's bounds fall inside days holding interactions on both sides.
    now = datetime(2024, 3, 5, 4, 30, tzinfo=UTC)
    for period, days in (("7d", 7), ("30d", 30)):
        result = await graphql(OVERVIEW, {"period": period}, extras={"now": now})
        assert result.errors is None, result.errors
        bounds = {"lo": now - timedelta(days=days), "hi": now, "prev": now - 2 * timedelta(days)}
        async with sessions() as session:
            raw = (await session.execute(text(_RAW_OVERVIEW), {"ws": workspace, **bounds})).one()
        overview = result.data["coachingOverview"]
        assert overview["summary"] == {
            "activeUsers": raw.active,
            "totalInteractions": raw.total,
            "aiInteractions": raw.ai,
            "humanEscalations": raw.esc,
        }, period
        sat = round(raw.sat, 2) if raw.sat is not None else None
        sat_before = round(raw.sat_before, 2) if raw.sat_before is not None else None
        assert overview["trends"] == {
            "engagementTrend": trend(raw.total, raw.before),
            "satisfactionTrend": trend(sat, sat_before),
        }, period
    seven = await graphql(OVERVIEW, {"period": "7d"}, extras={"now": now})
    # Users 1, 2 (latest interaction after now), 3 and 4 (05:00 on the lo day) were active.
    assert seven.data["coachingOverview"]["summary"]["activeUsers"] == 4
    assert seven.data["coachingOverview"]["summary"]["totalInteractions"] == 7


CHANNEL = """
query ($id: ID!, $start: Date!, $end: Date!) {
  channelAnalytics(channelId: $id, startDate: $start, endDate: $end) {
    totalMessages uniqueUsers newUsers averageResponseTimeSeconds userSatisfactionScore
    daily { date messages users newUsers }
  }
}"""


async def test_channel_analytics_and_series_match_the_raw_rows(
    upload, graphql, sessions, workspace
):
    await _seed(upload)
    variables = {"id": uid("channel", 1), "start": "2024-02-20", "end": "2024-03-05"}
    result = await graphql(CHANNEL, variables)
    assert result.errors is None, result.errors
    a = result.data["channelAnalytics"]
    async with sessions() as session:
        raw = (await session.execute(text(
            f"SELECT {_DAY} AS day, count(*) AS n, count(DISTINCT user_id) AS users "
            "FROM interactions WHERE workspace_id = :ws AND channel_id = :ch "
            "AND created_at >= '2024-02-20' AND created_at < '2024-03-06' GROUP BY 1"),
            {"ws": workspace, "ch": uid("channel", 1)})).all()  # fmt: skip
    by_day = {r.day.isoformat(): (r.n, r.users) for r in raw}
    assert {d["date"]: (d["messages"], d["users"]) for d in a["daily"] if d["messages"]} == by_day
    # Users 1, 2, 4 and 5 in the range; user 2 on three days counts once.
    assert (a["totalMessages"], a["uniqueUsers"]) == (sum(n for n, _ in by_day.values()), 4)
    assert a["averageResponseTimeSeconds"] == round((1.5 + 2.25) / 2, 2)
    assert a["userSatisfactionScore"] == round((4.0 + 2.0 + 5.0) / 3, 2)
    series = await graphql(
        """{ coachingDetailed(metric: INTERACTIONS, segment: USER_TYPE,
               startDate: "2024-02-20", endDate: "2024-03-05") {
             data { date value segments } } }"""
    )
    assert series.errors is None, series.errors
    points = {
        p["date"]: (p["value"], p["segments"]) for p in series.data["coachingDetailed"]["data"]
    }
    async with sessions() as session:
        raw = (await session.execute(text(
            f"SELECT {_DAY} AS day, is_ai, count(*) AS n FROM interactions "
            "WHERE workspace_id = :ws AND created_at >= '2024-02-20' "
            "AND created_at < '2024-03-06' GROUP BY 1, 2"), {"ws": workspace})).all()  # fmt: skip
    expected: dict[str, dict[str, int]] = {}
    for r in raw:
        expected.setdefault(r.day.isoformat(), {})["ai" if r.is_ai else "human"] = r.n
    assert {d: s for d, (v, s) in points.items() if v} == expected
    assert all(v == sum(s.values()) for v, s in points.values())


async def test_users_series_matches_the_raw_rows(upload, graphql, sessions, workspace):
    await _seed(upload)
    await upload("end_users", [end_user(6, channel="whatsapp", is_active=False)])
    series = await graphql(
        """{ coachingDetailed(metric: USERS, segment: USER_TYPE, granularity: WEEK,
               startDate: "2024-02-01", endDate: "2024-03-31") {
             data { date value segments } } }"""
    )
    assert series.errors is None, series.errors
    points = [p for p in series.data["coachingDetailed"]["data"] if p["value"]]
    assert sum(p["value"] for p in points) == 6
    assert {k for p in points for k in p["segments"]} == {"active", "inactive"}
    assert sum(p["segments"].get("inactive", 0) for p in points) == 1
