"""Definitions of spec 000's numbers (docs/metrics.md), each on a small hand-made dataset
whose expected values are worked out in the comments. The workspace is in UTC unless a
test says otherwise; now = Sun 2024-03-10 12:00 UTC, so the last 7 local days are Mar 4-10
and the last 30 are Feb 10 - Mar 10."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


async def _data(api, path: str) -> dict:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _user(n: int, created_at: str, **kw) -> dict:
    return {"id": f"user_{n}", "username": f"reader{n}", "created_at": created_at, **kw}


def _character(n: int, creator: str | None = None) -> dict:
    return {
        "id": f"char_{n}",
        "name": f"Muse {n}",
        "creator_id": creator,
        "created_at": "2024-01-02T10:00:00Z",
    }


def _message(user: int, char: int, at: str, sender: str = "user") -> dict:
    return {
        "user_id": f"user_{user}",
        "character_id": f"char_{char}",
        "sender": sender,
        "created_at": at,
    }


async def test_averages_are_rounded_once_from_the_exact_value(api, upload) -> None:
    """Eleven sessions on Mar 5: ten of 1263 s and one of 1268 s, 13898 s in all, an
    average of 1263.4545... s: 1263 s ("21:03"), not 1263.5 rounded again to 1264."""
    await upload("users", [_user(n, "2024-01-01T10:00:00Z") for n in range(1, 102)])
    await upload("characters", [_character(1)])
    await upload(
        "sessions",
        [
            {
                "user_id": "user_1",
                "character_id": "char_1",
                "started_at": f"2024-03-05T{10 + n}:00:00Z",
                "duration_seconds": 1268 if n == 0 else 1263,
                "message_count": 2,
            }
            for n in range(11)
        ],
    )
    sessions = await _data(api, "/api/marketing/engagement/sessions?period=7d")
    assert sessions["averageSessionDuration"] == 1263
    assert sessions["averageSessionDurationFormatted"] == "21:03"
    by_day = dict(
        zip(sessions["timeline"]["labels"], sessions["timeline"]["avgDuration"], strict=True)
    )
    assert by_day["Mar 5"] == 1263
    summary = await _data(api, "/api/marketing/dashboard/summary")
    assert summary["engagement"]["averageSessionDuration"] == "21:03"
    # 0.50 over 101 users is 0.00495...: 0.00, not 0.0050 (four places) rounded to 0.01.
    await upload(
        "transactions",
        [
            {
                "id": "txn_1",
                "user_id": "user_1",
                "type": "tip",
                "amount": "0.50",
                "created_at": "2024-03-05T10:00:00Z",
            }
        ],
    )
    revenue = await _data(api, "/api/marketing/revenue/summary")
    assert revenue["averageRevenuePerUser"] == 0.0
    summary = await _data(api, "/api/marketing/dashboard/summary")
    assert summary["revenue"]["averageRevenuePerUser"] == 0.0


async def test_a_monthly_cohort_cell_no_member_has_reached_is_null(api, upload) -> None:
    """30d = Feb 10 - Mar 10: the February cohort's bucket starts Feb 1, but its only member
    registered Feb 20, whose month 1 (days 30-59) starts Mar 21: not yet, so null."""
    await upload("users", [_user(1, "2024-02-20T10:00:00Z")])
    await upload("characters", [_character(1)])
    await upload("messages", [_message(1, 1, "2024-03-09T10:00:00Z")])
    d = await _data(api, "/api/marketing/users/retention?period=30d&cohort=monthly")
    assert d["cohortAnalysis"] == [
        {"cohort": "Month 1", "startUsers": 1, "month1": None, "month2": None, "month3": None}
    ]


async def test_only_what_a_user_did_makes_them_active(api, upload) -> None:
    """Users 1 and 2 registered Mar 1. On Mar 2 user_1 writes to char_1 and char_1 writes
    to user_2; today (Mar 10) char_1 writes to user_1. Only user_1's own message counts for
    the users; all three are messages of the conversations."""
    await upload("users", [_user(1, "2024-03-01T09:00:00Z"), _user(2, "2024-03-01T09:00:00Z")])
    await upload("characters", [_character(1)])
    await upload(
        "messages",
        [
            _message(1, 1, "2024-03-02T10:00:00Z"),
            _message(2, 1, "2024-03-02T11:00:00Z", sender="character"),
            _message(1, 1, "2024-03-10T10:00:00Z", sender="character"),
        ],
    )
    summary = await _data(api, "/api/marketing/dashboard/summary")
    overview = summary["overview"]
    assert (overview["activeUsersToday"], overview["monthlyActiveUsers"]) == (0, 1)
    assert summary["engagement"]["totalMessages"] == 3
    # Messages sent by users (1) over all users (2).
    assert summary["engagement"]["averageMessagesPerUser"] == 0.5
    messages = await _data(api, "/api/marketing/engagement/messages?period=30d")
    # Messages sent by users in the period (1) over the users who sent one (user_1).
    assert (messages["periodMessages"], messages["averageMessagesPerUser"]) == (3, 1.0)
    retention = await _data(api, "/api/marketing/users/retention?period=30d&cohort=daily")
    assert retention["retentionRate"]["day1"] == 50.0  # user_1 came back on Mar 2, not user_2
    exported = await _data(api, "/api/marketing/export/users?period=all")
    assert {u["userId"]: (u["totalMessages"], u["lastActiveAt"]) for u in exported["users"]} == {
        "user_1": (1, "2024-03-02T10:00:00.000Z"),
        "user_2": (0, None),
    }


async def test_subscription_churn_stays_within_100_percent(api, upload) -> None:
    """7d = Mar 4-10. sub_a (Feb 1) is active at the start; sub_b starts Mar 5 and is
    cancelled Mar 6, sub_c starts Mar 6 and is cancelled Mar 8: 2 ended of the 3 that were
    active at the start or started in the period = 66.7 (not 2 / 1 = 200)."""
    await upload("users", [_user(n, "2024-01-01T10:00:00Z") for n in (1, 2, 3)])
    await upload("subscription_tiers", [{"id": "tier_basic", "name": "Basic", "price": "3.00"}])

    def sub(name: str, user: int, start: str, cancelled: str | None = None) -> dict:
        record = {"id": f"sub_{name}", "user_id": f"user_{user}", "tier_id": "tier_basic"}
        record["created_at"] = start
        if cancelled:
            record |= {"status": "cancelled", "cancelled_at": cancelled}
        return record

    await upload(
        "subscriptions",
        [
            sub("a", 1, "2024-02-01T10:00:00Z"),
            sub("b", 2, "2024-03-05T10:00:00Z", "2024-03-06T10:00:00Z"),
            sub("c", 3, "2024-03-06T10:00:00Z", "2024-03-08T10:00:00Z"),
        ],
    )
    d = await _data(api, "/api/marketing/revenue/subscriptions?period=7d")
    assert d["churnRate"] == 66.7
    assert (d["newSubscriptionsThisWeek"], d["cancelledThisWeek"], d["netGrowth"]) == (2, 2, 0)


async def test_retention_days_the_period_cannot_reach_are_null(api, upload) -> None:
    """7d = Mar 4-10: user_1 registered Mar 8 and came back Mar 9 (day 1: 100.0); no one
    registered in these 7 days can have reached day 7, 14 or 30."""
    await upload("users", [_user(1, "2024-03-08T10:00:00Z")])
    await upload("characters", [_character(1)])
    await upload("messages", [_message(1, 1, "2024-03-09T10:00:00Z")])
    d = await _data(api, "/api/marketing/users/retention?period=7d&cohort=daily")
    assert d["retentionRate"] == {"day1": 100.0, "day7": None, "day14": None, "day30": None}


async def test_user_stats_totals_are_platform_wide(api_data) -> None:
    """The fixed dataset (tests/rest/dataset.py): six users, user_4 temporary; users 1 and 3
    hold active subscriptions; users 1 and 2 are creators. The period changes nothing."""
    for period in ("7d", "30d", "all"):
        d = await _data(api_data, f"/api/marketing/users/stats?period={period}")
        assert (
            d["totalUsers"],
            d["registeredUsers"],
            d["temporaryUsers"],
            d["premiumUsers"],
            d["creatorAccounts"],
        ) == (6, 5, 1, 2, 2)
        assert d["demographics"]["byLanguage"] == [
            {"language": "en", "count": 3, "percentage": 50.0},  # users 1, 3, 5
            {"language": "ja", "count": 2, "percentage": 33.3},  # users 2, 6
            {"language": "es", "count": 1, "percentage": 16.7},  # user 4
        ]
        assert d["demographics"]["byGender"] == [
            {"gender": "female", "count": 2, "percentage": 33.3},
            {"gender": "male", "count": 2, "percentage": 33.3},
            {"gender": "other", "count": 1, "percentage": 16.7},
            {"gender": "unknown", "count": 1, "percentage": 16.7},
        ]


async def test_premium_conversion_rate_is_over_all_users(api_data) -> None:
    d = await _data(api_data, "/api/marketing/dashboard/summary")
    # 2 premium users (1 and 3) of all 6 users, temporary user_4 included.
    assert (d["revenue"]["premiumUsers"], d["revenue"]["premiumConversionRate"]) == (2, 33.3)


async def test_activity_segments_leave_no_gap_at_their_bounds(api, upload) -> None:
    """All registered Jan 1. user_1: 100 messages on Mar 9 (Power: 100+ and active within 7
    days); user_2: 100 messages on Mar 1 (100+ but last active 9 days ago: Regular); user_3:
    10 messages on Feb 15 (Regular); user_4: 9 messages on Mar 9 (none of the three);
    user_5: never active (Dormant: registered more than 30 days ago)."""
    await upload("users", [_user(n, "2024-01-01T10:00:00Z") for n in range(1, 6)])
    await upload("characters", [_character(1)])
    plan = {
        1: (100, "2024-03-09"),
        2: (100, "2024-03-01"),
        3: (10, "2024-02-15"),
        4: (9, "2024-03-09"),
    }
    await upload(
        "messages",
        [
            _message(n, 1, f"{day}T{k // 60:02d}:{k % 60:02d}:00Z")
            for n, (count, day) in plan.items()
            for k in range(count)
        ],
    )
    d = await _data(api, "/api/marketing/users/segments")
    got = {s["name"]: (s["count"], s["percentage"]) for s in d["segments"]}
    assert got == {
        "Power Users": (1, 20.0),
        "Regular Users": (2, 40.0),
        "New Users": (0, 0.0),
        "Dormant Users": (1, 20.0),
        "Premium Users": (0, 0.0),
    }


async def test_revenue_export_summary_counts_the_transactions_it_sums(api_data) -> None:
    """30d = Feb 10 - Mar 10 (New York): txn_2..txn_6 are listed, txn_6 refunded; the
    summary counts and sums the four completed ones: 3.00 + 30.00 + 4.99 + 2.50."""
    d = await _data(api_data, "/api/marketing/export/revenue?period=30d")
    assert [t["transactionId"] for t in d["transactions"]] == [f"txn_{n}" for n in range(2, 7)]
    assert d["summary"] == {
        "totalTransactions": 4,
        "totalRevenue": 40.49,
        "byType": {"subscriptions": 33.0, "pointPurchases": 4.99, "tips": 2.5},
    }


async def test_top_creators_serve_the_documented_shape(api_data) -> None:
    response = await api_data.get("/api/marketing/creators/top?limit=1&page=2")
    assert response.status_code == 200
    data = response.json()["data"]
    assert list(data) == ["creators"]
    assert [c["creatorId"] for c in data["creators"]] == ["user_2"]  # 1 follower vs user_1's 2
    headers = response.headers
    assert (headers["x-page"], headers["x-per-page"], headers["x-total-pages"]) == ("2", "1", "2")
    assert headers["x-total-count"] == "2"


def test_metrics_doc_states_every_reading() -> None:
    text = DOCS.read_text()
    for reading in (
        r"\*\*Growth rate windows\*\*",
        r"\*\*Partial buckets\*\*",
        r"\*\*Dormant cutoff\*\*",
        r"\*\*Funnel base\*\*",
        r"\*\*Monthly price\*\*",
        r"\*\*averageMessagesPerUser\*\*",
        r"\*\*Subscription churn\*\* = subscriptions that ended",
        r"\*\*users/stats\*\*: platform-wide",
    ):
        assert re.search(reading, text), reading
