"""dashboardSeries: one number per local bucket for each headline metric of the page, and
the live numbers (metricUpdates) it shares its definitions with."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from subscriptions.metrics import MetricHub
from tests.rest.conftest import NOW
from tests.utils.builders import at, character, message, user
from tests.utils.social_builders import post

SERIES = """query($metric: DashboardMetric!, $granularity: Granularity! = DAY) {
  dashboardSeries(metric: $metric, period: LAST_7_DAYS, granularity: $granularity) {
    metric buckets values total } }"""
DAYS = [(date(2024, 3, 4) + timedelta(days=i)).isoformat() for i in range(7)]


async def _world(upload) -> None:
    # BASE_TIME is 2024-03-01 12:00 UTC: at(5) is 03-06, at(6) is 03-07.
    await upload("users", [user(1, created_at=at(5)), user(2, created_at=at(6)), user(3)])
    await upload("characters", [character(1, None)])
    await upload("messages", [message(1, 1, created_at=at(5)), message(2, 1, created_at=at(6))])
    await upload(
        "transactions",
        [{"id": "txn_1", "user_id": "user_1", "type": "tip", "amount": "4.50",
          "status": "completed", "created_at": at(6, 1)}],
    )  # fmt: skip
    ads = [
        {"campaign_name": "Spring", "spend": 10.5, "impressions": 100, "clicks": 3,
         "date": "2024-03-06T00:00:00Z"},
        {"campaign_name": "Spring", "spend": 4.25, "impressions": 50, "clicks": 1,
         "date": "2024-03-06T15:00:00Z"},
        {"campaign_name": "Autumn", "spend": 7, "impressions": 80, "clicks": 2,
         "date": "2024-03-08T09:00:00Z"},
    ]  # fmt: skip
    await upload("meta_ads", ads)
    await upload("posts", [post(1, created_at=at(5)), post(2, created_at=at(7))])


def _day(values: dict[str, float]) -> list[float]:
    return [values.get(day, 0) for day in DAYS]


async def test_each_metric_per_local_day(graphql, upload):
    await _world(upload)
    expected = {
        "USERS": _day({"2024-03-04": 1, "2024-03-06": 1, "2024-03-07": 1}),
        "ACTIVE_USERS": _day({"2024-03-06": 1, "2024-03-07": 1}),
        "MESSAGES": _day({"2024-03-06": 1, "2024-03-07": 1}),
        "REVENUE": _day({"2024-03-07": 4.5}),
        "AD_SPEND": _day({"2024-03-06": 14.75, "2024-03-08": 7}),
        "POSTS": _day({"2024-03-06": 1, "2024-03-08": 1}),
    }
    for metric, values in expected.items():
        result = await graphql(SERIES, {"metric": metric}, extras={"now": NOW})
        assert result.errors is None, result.errors
        series = result.data["dashboardSeries"]
        assert series == {
            "metric": metric, "buckets": DAYS, "values": values, "total": sum(values)
        }, metric  # fmt: skip


async def test_hours_and_refusals(graphql, upload, workspace):
    await _world(upload)
    hourly = await graphql(
        SERIES, {"metric": "AD_SPEND", "granularity": "HOUR"}, extras={"now": NOW}
    )
    series = hourly.data["dashboardSeries"]
    assert len(series["buckets"]) == 7 * 24
    spent = {b: v for b, v in zip(series["buckets"], series["values"], strict=True) if v}
    assert spent == {"2024-03-06T00:00:00": 10.5, "2024-03-06T15:00:00": 4.25,
                     "2024-03-08T09:00:00": 7}  # fmt: skip

    active = await graphql(SERIES, {"metric": "ACTIVE_USERS", "granularity": "HOUR"})
    assert active.errors[0].extensions["code"] == "BAD_USER_INPUT"

    from gateway.principal import READ_SCOPES, Principal

    viewer = Principal(workspace_id=workspace, subject="t", scopes=READ_SCOPES - {"read:revenue"})
    refused = await graphql(SERIES, {"metric": "REVENUE"}, principal=viewer)
    assert refused.errors[0].extensions["code"] == "FORBIDDEN"


async def test_live_numbers_match_the_graph(graphql, upload, engine, workspace):
    await _world(upload)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    await upload("messages", [message(3, 1, created_at=yesterday)])  # active this month
    summary = await graphql(
        "{ dashboardSummary { overview { totalUsers monthlyActiveUsers } } posts { totalCount } }"
    )
    hub = MetricHub(engine)
    names = ["totalUsers", "activeUsers", "totalMessages", "revenue", "adSpend", "totalPosts"]
    stream = hub.watch(workspace, names, 60)
    values = {v.metric: v.value for v in await anext(stream)}
    await stream.aclose()
    await hub.close()
    overview = summary.data["dashboardSummary"]["overview"]
    assert values == {
        "totalUsers": overview["totalUsers"],  # 3
        "activeUsers": overview["monthlyActiveUsers"],  # 1: user 3
        "totalMessages": 3,
        "revenue": 4.5,
        "adSpend": 21.75,
        "totalPosts": summary.data["posts"]["totalCount"],
    }
    assert (values["totalUsers"], values["activeUsers"], values["totalPosts"]) == (3, 1, 2)
