"""Exact values of the numbers read from per-character, per-creator and per-feature totals
kept by ingestion, on the fixed dataset (tests/rest/dataset.py) and after further uploads
that arrive out of order or repeat ids. New York time; now = Sun 2024-03-10 08:00 EDT."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.rest import dataset


async def _data(api, path: str) -> dict:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _metrics(api, period: str) -> dict[str, dict]:
    d = await _data(api, f"/api/marketing/characters/top-performing?period={period}&limit=10")
    return {c["id"]: c["metrics"] for c in d["characters"]}


def _msg(user: int, char: int, at: str) -> dict:
    return {"user_id": f"user_{user}", "character_id": f"char_{char}", "created_at": at}


async def test_top_characters_extras(api_data, upload) -> None:
    m = await _metrics(api_data, "30d")
    # char_1: sessions of 930 and 300 s = 615 s = 10.25 min; char_3: (60 + 3700) / 2 = 31.33.
    assert {c: v["averageSessionLength"] for c, v in m.items()} == {
        "char_1": 10.3,
        "char_2": 0.0,
        "char_3": 31.3,
    }
    # Mar 4-10 local: char_1 one message (user_2, Mar 10), char_2 six, char_3 three.
    assert {c: v["messagesThisWeek"] for c, v in m.items()} == {
        "char_1": 1,
        "char_2": 6,
        "char_3": 3,
    }
    # Feb 10-Mar 10: every pair's first message; nothing in Jan 11-Feb 9.
    assert {c: v["userGrowthRate"] for c, v in m.items()} == {
        "char_1": 100.0,
        "char_2": 100.0,
        "char_3": 100.0,
    }
    # Mar 4-10 vs Feb 26-Mar 3: char_1's users 1, 2, 3 all came in the previous week.
    week = await _metrics(api_data, "7d")
    assert {c: v["userGrowthRate"] for c, v in week.items()} == {
        "char_1": -100.0,  # 0 new vs 3
        "char_2": 100.0,  # user_1 (Mar 4) vs none
        "char_3": 100.0,  # users 3 and 5 vs none
    }


async def test_new_users_move_to_an_earlier_first_message(api_data, upload) -> None:
    # user_4 first writes to char_1 on Mar 9 (this week) ...
    await upload("messages", [_msg(4, 1, "2024-03-09T15:00:00Z")])
    assert (await _metrics(api_data, "7d"))["char_1"]["userGrowthRate"] == -66.7  # 1 vs 3
    # ... then an older message arrives late: Feb 28, the previous week. Sent twice under
    # one id, and with the Mar 9 one again: only the new day counts.
    late = {**_msg(4, 1, "2024-02-28T15:00:00Z"), "id": "msg_late"}
    await upload("messages", [late, late])
    await upload("messages", [{**late}, _msg(4, 1, "2024-03-09T16:00:00Z")])
    m = await _metrics(api_data, "7d")
    assert m["char_1"]["userGrowthRate"] == -100.0  # 0 vs 4
    assert m["char_1"]["messagesThisWeek"] == 3  # Mar 9 (2) and Mar 10


async def test_average_session_counts_each_session_once(api_data, upload) -> None:
    again = {**dataset.SESSIONS[0], "duration_seconds": 10}  # sess_1 again: ignored
    extra = {
        "id": "sess_9",
        "user_id": "user_1",
        "character_id": "char_2",
        "started_at": "2024-03-05T10:00:00Z",
        "duration_seconds": 95,
    }
    await upload("sessions", [again, extra])
    await upload("sessions", [extra])
    m = await _metrics(api_data, "30d")
    assert m["char_1"]["averageSessionLength"] == 10.3  # still (930 + 300) / 2 s
    assert m["char_2"]["averageSessionLength"] == 1.6  # 95 s = 1.58 min


async def test_feature_usage_counts(api_data, upload) -> None:
    d = await _data(api_data, "/api/marketing/features/usage")
    by_name = {f["feature"]: f for f in d["features"]}
    # image_generation: user_1 twice, user_3 once, of 6 users.
    assert by_name["Image Generation"] == {
        "feature": "Image Generation",
        "usersUsed": 2,
        "usagePercentage": 33.3,
        "averageUsagePerUser": 1.5,
    }
    use = {"id": "fu_9", "user_id": "user_3", "feature": "image_generation"}
    await upload("feature_usage", [{**use, "used_at": "2024-03-09T18:00:00Z"}] * 2)
    await upload(
        "feature_usage",
        [
            {**use, "used_at": "2024-03-09T18:00:00Z"},  # the same id again: ignored
            {"user_id": "user_2", "feature": "scenarios", "used_at": "2024-03-01T18:00:00Z"},
        ],
    )
    d = await _data(api_data, "/api/marketing/features/usage")
    by_name = {f["feature"]: f for f in d["features"]}
    assert (
        by_name["Image Generation"]["usersUsed"],
        by_name["Image Generation"]["averageUsagePerUser"],
    ) == (2, 2.0)  # 4 uses by users 1 and 3
    assert (by_name["Scenarios"]["usersUsed"], by_name["Scenarios"]["usagePercentage"]) == (
        1,
        16.7,
    )


async def test_top_characters_over_all_time_have_no_growth(graphql, upload, sessions, workspace):
    # docs/metrics.md: with `all` there is no previous period, so growth is 0.0.
    await dataset.load(upload, sessions, workspace)
    result = await graphql(
        "{ topCharacters(period: ALL_TIME) { characters { id messagesThisWeek userGrowthRate } } }",
        extras={"now": datetime(2024, 3, 10, 12, 0, tzinfo=UTC)},
    )
    assert result.errors is None, result.errors
    assert result.data["topCharacters"]["characters"] == [
        {"id": "char_2", "messagesThisWeek": 6, "userGrowthRate": 0.0},
        {"id": "char_1", "messagesThisWeek": 1, "userGrowthRate": 0.0},
        {"id": "char_3", "messagesThisWeek": 3, "userGrowthRate": 0.0},
    ]


def _tip(n: int, user: int, at: str, **kw) -> dict:
    return {
        "id": f"txn_{n}",
        "user_id": f"user_{user}",
        "type": "tip",
        "amount": "1.00",
        "creator_id": "user_1",
        "created_at": at,
        **kw,
    }


async def _creators(api, query: str = "") -> dict[str, dict]:
    d = await _data(api, f"/api/marketing/creators/top?limit=10{query}")
    return {c["creatorId"]: c for c in d["creators"]}


async def test_creator_extras_follow_moves_and_status_changes(api_data, upload) -> None:
    # char_3 moves from StarForge (user_2) to MoonStudio (user_1).
    await upload("characters", [{**dataset.CHARACTERS[2], "creator_id": "user_1"}])
    top = await _creators(api_data, "&sortBy=characters")
    assert list(top) == ["user_1", "user_2"]  # 3 characters vs 0
    assert top["user_1"]["topCharacter"] == {"id": "char_2", "name": "Orrin", "messages": 6}
    assert top["user_2"]["topCharacter"] is None
    # Two more messages to char_1 (5 + 2 = 7) make it user_1's top character.
    await upload(
        "messages", [_msg(1, 1, "2024-03-09T12:00:00Z"), _msg(6, 1, "2024-03-09T13:00:00Z")]
    )
    top = await _creators(api_data)
    assert top["user_1"]["topCharacter"] == {"id": "char_1", "name": "Luma", "messages": 7}
    # Paying fans (30d = Feb 10-Mar 10): user_2's tip (txn_5), user_3 twice, user_4 once it
    # completes; not a tip before the period, nor a failed one.
    await upload(
        "transactions",
        [
            _tip(7, 3, "2024-03-08T10:00:00Z"),
            _tip(8, 3, "2024-03-09T10:00:00Z"),
            _tip(9, 4, "2024-03-09T11:00:00Z", status="pending"),
            _tip(10, 6, "2024-02-01T10:00:00Z"),
            _tip(11, 6, "2024-03-09T12:00:00Z", status="failed"),
        ],
    )
    assert (await _creators(api_data))["user_1"]["metrics"]["subscriberCount"] == 2
    await upload("transactions", [_tip(9, 4, "2024-03-09T11:00:00Z")])  # now completed
    m = (await _creators(api_data))["user_1"]["metrics"]
    assert (m["subscriberCount"], m["earnings"]) == (3, 6.5)  # 2.50 + four 1.00 tips


async def test_creator_stats_counts(api_data, upload) -> None:
    await upload("users", [{"id": "user_7", "created_at": "2024-03-05T10:00:00Z"}])
    quiet = {"id": "user_7", "username": "Quiet", "created_at": "2024-03-05T10:00:00Z"}
    await upload("creators", [quiet, quiet])
    await upload("creators", [{**quiet, "is_verified": True}, dataset.CREATORS[0]])  # edits
    d = await _data(api_data, "/api/marketing/creators/stats")
    # Three creators; users 1 and 2 have characters with messages in Feb 10-Mar 10; users 2
    # and 7 joined then.
    assert (d["totalCreators"], d["activeCreators"], d["newCreatorsThisMonth"]) == (3, 2, 2)
    assert [c["creatorId"] for c in d["topCreators"]] == ["user_1", "user_2", "user_7"]
