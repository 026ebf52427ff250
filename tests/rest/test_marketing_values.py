"""Exact values on the fixed dataset (tests/rest/dataset.py), computed by hand; the
comments show the arithmetic. New York time; now = Sun 2024-03-10 08:00 EDT."""

from __future__ import annotations

import csv
import io

import pytest

from gateway.principal import Principal
from models.analytics import exports


async def _data(api, path: str) -> dict:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_summary_cuts_days_in_the_workspace_timezone(api_data) -> None:
    d = await _data(api_data, "/api/marketing/dashboard/summary")
    # user_6 registered 04:30 UTC Mar 10 = 23:30 Mar 9 in New York: not today.
    assert d["overview"]["newUsersToday"] == 0
    assert d["overview"]["newUsersThisWeek"] == 3  # users 4, 5, 6 (Mar 4-10)
    assert d["overview"]["userGrowthRate"] == 400.0  # 5 in Feb 10-Mar 10 vs 1 before
    assert d["overview"]["activeUsersToday"] == 2  # users 2 and 5
    assert d["engagement"]["averageSessionDuration"] == "20:48"  # (930+60+3700+300)/4 = 1247.5
    assert d["revenue"]["totalRevenue"] == 43.49  # completed only: txn_6 was refunded
    assert d["revenue"]["revenueGrowthRate"] == 1249.7  # 40.49 vs 3.00
    assert d["revenue"]["premiumConversionRate"] == 33.3  # 2 active subscribers / 6 users
    assert d["lastUpdated"] == "2024-03-10T12:00:00.000Z"


async def test_message_timeline_across_month_boundary_and_dst(api_data) -> None:
    d = await _data(api_data, "/api/marketing/engagement/messages?period=30d")
    values = dict(zip(d["timeline"]["labels"], d["timeline"]["values"], strict=True))
    # 04:00 UTC Mar 1 is 23:00 Feb 29 locally; 02:00 UTC Mar 2 is 21:00 Mar 1.
    assert (values["Feb 29"], values["Mar 1"], values["Mar 8"], values["Mar 10"]) == (2, 2, 2, 3)
    # 07:30 UTC on Mar 10 is 03:30 EDT (the 2 AM hour does not exist that day).
    hourly = await _data(api_data, "/api/marketing/engagement/messages?period=7d&granularity=hour")
    counts = dict(zip(hourly["timeline"]["labels"], hourly["timeline"]["values"], strict=True))
    assert (counts["Mar 10 1 AM"], counts["Mar 10 2 AM"], counts["Mar 10 3 AM"]) == (1, 0, 1)
    assert d["peakHours"] == [
        {"hour": 9, "messages": 6, "label": "9 AM"},
        {"hour": 1, "messages": 2, "label": "1 AM"},
        {"hour": 21, "messages": 2, "label": "9 PM"},
    ]
    assert d["byDayOfWeek"][4] == {"day": "Thursday", "messages": 3}
    assert d["averageMessagesPerUser"] == 3.5  # 14 messages / users 1, 2, 3, 5


async def test_retention_and_cohorts(api_data) -> None:
    d = await _data(api_data, "/api/marketing/users/retention?period=30d&cohort=weekly")
    # Day 14: users of Feb 10-25 could have reached it, and none registered then (0.0);
    # day 30: no one registered in Feb 10 - Mar 10 can have reached it yet (null).
    assert d["retentionRate"] == {"day1": 20.0, "day7": 100.0, "day14": 0.0, "day30": None}
    assert d["cohortAnalysis"][0] == {
        "cohort": "Week 1",
        "startUsers": 2,
        "week1": 2,
        "week2": None,
        "week3": None,
        "week4": None,
    }


async def test_funnel_and_time_to_conversion(api_data) -> None:
    d = await _data(api_data, "/api/marketing/revenue/conversions")
    assert d["funnel"] == {
        "visitors": 10,
        "registered": 5,
        "activated": 4,
        "engaged": 0,
        "paying": 3,
    }
    # (2.79 + 0.79 + 3.79) / 3 days; only user_3 chatted before subscribing (3.33 days).
    assert d["averageTimeToConversion"] == {
        "registrationToFirstPurchase": "2.5 days",
        "firstChatToSubscription": "3.3 days",
    }


async def test_segments_membership(api_data) -> None:
    d = await _data(api_data, "/api/marketing/users/segments")
    counts = {s["name"]: s["count"] for s in d["segments"]}
    assert counts == {
        "Power Users": 0,
        "Regular Users": 0,
        "New Users": 3,
        "Dormant Users": 0,  # everyone is new or active within 30 days
        "Premium Users": 2,
    }  # dormant: temporary user_4


async def test_bad_parameters_answer_400_in_the_spec_envelope(api_data) -> None:
    response = await api_data.get("/api/marketing/users/retention?period=365d")
    assert response.status_code == 400
    error = response.json()
    assert error["success"] is False and error["error"]["code"] == "BAD_REQUEST"
    assert "period" in error["error"]["message"]
    for bad in ("0", "101", "ten"):
        response = await api_data.get(f"/api/marketing/characters/top-performing?limit={bad}")
        assert response.status_code == 400, bad
        assert "limit" in response.json()["error"]["message"]


async def test_missing_scope_is_forbidden(api_data) -> None:
    caller = api_data.caller
    principal = caller.principal
    caller.principal = Principal(
        workspace_id=principal.workspace_id, subject="t", scopes=frozenset({"read:analytics"})
    )
    response = await api_data.get("/api/marketing/revenue/summary")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    response = await api_data.get("/api/marketing/export/users?fields=userId,email")
    assert response.status_code == 403
    caller.principal = principal


async def test_csv_export_honours_fields(api_data) -> None:
    response = await api_data.get(
        "/api/marketing/export/users?period=all&format=csv&fields=userId,email,totalMessages"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["userId", "email", "totalMessages"]
    assert rows[1] == ["user_1", "tester1@example.test", "8"]
    assert len(rows) == 7
    bad = await api_data.get("/api/marketing/export/users?fields=userId,password")
    assert bad.status_code == 400


async def test_webhook_validation(api_data) -> None:
    response = await api_data.post(
        "/api/marketing/webhooks/register",
        json={"url": "ftp://x.test/", "events": ["user.registered"]},
    )
    assert response.status_code == 400
    response = await api_data.post(
        "/api/marketing/webhooks/register", json={"url": "https://x.test/", "events": ["nope"]}
    )
    assert response.status_code == 400


async def test_openapi_document_validates_and_lists_every_route(api) -> None:
    from openapi_spec_validator import validate

    from gateway.rest.marketing.routes import ROUTES

    document = (await api.get("/openapi.json")).json()
    validate(document)
    for route in ROUTES:
        assert route.method.lower() in document["paths"][route.path]
    assert len(ROUTES) == 27  # spec 000's 28, less keys/generate (identity)
    page = await api.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text


async def test_top_performing_pages_run_from_scored_to_unscored_characters(
    api_data, upload
) -> None:
    quiet = {"creator_id": None, "created_at": "2024-03-01T12:00:00Z"}
    await upload(
        "characters",
        [{**quiet, "id": "char_5", "name": "Wren"}, {**quiet, "id": "char_4", "name": "Ash"}],
    )
    path = "/api/marketing/characters/top-performing?period=7d&sortBy=messages"
    whole = await _data(api_data, f"{path}&limit=100")
    # Mar 4-10 local: char_2 6 messages, char_3 3, char_1 1; then those without any, by id.
    order = ["char_2", "char_3", "char_1", "char_4", "char_5"]
    assert [c["id"] for c in whole["characters"]] == order
    assert whole["totalCharacters"] == 5
    paged = []
    for page in range(1, 4):
        two = await _data(api_data, f"{path}&limit=2&page={page}")
        assert two["page"] == page and two["totalPages"] == 3
        paged += [c["id"] for c in two["characters"]]
    assert paged == order
    sfw = await _data(api_data, f"{path}&limit=100&nsfw=false")
    assert [c["id"] for c in sfw["characters"]] == ["char_3", "char_1", "char_4", "char_5"]
    assert sfw["totalCharacters"] == 4


@pytest.mark.parametrize("form", ["json", "csv"])
async def test_exports_read_in_keyset_batches_lose_and_repeat_nothing(
    api, upload, monkeypatch, form
) -> None:
    """Batches of 1, then 2, over 7 users, 5 of them registered at the same instant: the
    ties are split across batch edges (broken by id) and every user comes exactly once, in
    order."""

    def registered(n: int) -> str:
        return "2024-03-01T10:00:00Z" if n < 5 else f"2024-03-01T11:00:0{n}Z"

    await upload(
        "users",
        [
            {"id": f"user_t{n}", "username": f"tied{n}", "created_at": registered(n)}
            for n in range(7)
        ],
    )
    path = f"/api/marketing/export/users?period=all&format={form}"
    whole = await api.get(path)
    monkeypatch.setattr(exports, "FIRST_BATCH", 1)
    monkeypatch.setattr(exports, "BATCH", 2)
    batched = await api.get(path)
    assert whole.status_code == batched.status_code == 200
    ids = [f"user_t{n}" for n in range(7)]
    if form == "csv":
        assert batched.text == whole.text
        assert [row[0] for row in csv.reader(io.StringIO(batched.text))] == ["userId", *ids]
        return
    data = batched.json()["data"]
    assert data["users"] == whole.json()["data"]["users"]
    assert [u["userId"] for u in data["users"]] == ids
    assert data["totalRecords"] == 7


async def test_an_empty_export_is_a_whole_document(api) -> None:
    d = await _data(api, "/api/marketing/export/characters?period=7d")
    assert d["characters"] == [] and d["totalRecords"] == 0
    empty = await api.get("/api/marketing/export/characters?period=7d&format=csv")
    assert empty.text.splitlines() == [
        "characterId,name,creatorId,category,tags,isNsfw,isPublic,totalMessages,uniqueUsers,"
        "favorites,createdAt"
    ]
