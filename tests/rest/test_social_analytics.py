"""Spec 004's dashboard and analytics routes: the documented shapes, and every figure
against hand-computed values on a small dataset (docs/metrics.md defines them). The app's
clock is pinned at 2024-03-10 12:00 UTC, so `7d` is 03-04..03-10 and the period before it
02-26..03-03."""

from __future__ import annotations

from tests.rest.test_social_routes import check
from tests.utils.social_builders import (
    account,
    agent_report,
    campaign,
    campaign_day,
    post,
    post_metrics,
)


def day(account_n: int, date: str, **kw):  # type: ignore[no-untyped-def]
    counters = {"reach": 0, "engagement": 0, "followers": 0, "posts": 0, "revenue": "0"}
    return {"social_account_id": f"social_{account_n}", "date": date, **counters, **kw}


async def _dataset(upload) -> None:  # type: ignore[no-untyped-def]
    await upload("social_accounts", [account(1, "instagram"), account(2, "facebook")])
    await upload(
        "platform_metrics",
        [
            day(1, "2024-03-10", reach=1000, engagement=50, followers=5200, posts=2, revenue="100"),
            day(1, "2024-03-09", reach=800, engagement=40, followers=5150, posts=1),
            day(1, "2024-03-01", reach=500, engagement=20, followers=5000, posts=1, revenue="50"),
            day(1, "2024-02-20", followers=4900),
            day(
                2, "2024-03-08", reach=2000, engagement=100, followers=4100, posts=1, revenue="200"
            ),
        ],
    )
    await upload("ad_campaigns", [campaign(1), campaign(2, status="pending_review")])
    await upload(
        "campaign_metrics",
        [
            campaign_day(
                1, "2024-03-09", impressions=10000, clicks=200, conversions=10, spend="90"
            ),
            campaign_day(1, "2024-03-02", impressions=5000, clicks=100, conversions=4, spend="52"),
        ],
    )
    published = {"status": "published", "platform": "instagram"}
    await upload(
        "posts",
        [
            post(1, **published, post_type="carousel", published_at="2024-03-09T18:05:00Z"),
            post(2, **published, post_type="image", published_at="2024-03-10T09:00:00Z"),
            post(3, **published, post_type="carousel", published_at="2024-03-08T09:30:00Z"),
            post(4, **published, post_type="video", published_at="2024-02-01T09:30:00Z"),
        ],
    )
    await upload(
        "post_metrics",
        [
            post_metrics(1, views=1000, likes=100, comments=0, shares=0),
            post_metrics(2, views=1000, likes=20, comments=0, shares=0),
        ],
    )


async def test_dashboard_metrics_are_exact(api, upload):
    await _dataset(upload)
    body = check(await api.get("/v1/dashboard/metrics?timeRange=7d"), "GET /v1/dashboard/metrics")
    overview = body["data"]["overview"]
    assert overview["totalReach"] == {
        "current": 3800,
        "previous": 500,
        "change": 660.0,
        "trend": "up",
    }
    # 190 / 3800 = 5 % against 20 / 500 = 4 %
    assert overview["engagementRate"] == {
        "current": 5,
        "previous": 4,
        "change": 25.0,
        "trend": "up",
    }
    # followers at the period's end (5200 + 4100) minus at the previous one's (5000);
    # before that: 5000 - 4900
    assert overview["followersGrowth"] == {
        "current": 4300,
        "previous": 100,
        "change": 4200.0,
        "trend": "up",
    }
    assert overview["postsPublished"] == {
        "current": 4,
        "previous": 1,
        "change": 300.0,
        "trend": "up",
    }
    assert overview["revenue"] == {"current": 300, "previous": 50, "change": 500.0, "trend": "up"}
    assert overview["clickThroughRate"] == {
        "current": 2,
        "previous": 2,
        "change": 0.0,
        "trend": "stable",
    }
    assert overview["conversionRate"] == {
        "current": 5,
        "previous": 4,
        "change": 25.0,
        "trend": "up",
    }
    assert overview["costPerClick"] == {
        "current": 0.45,
        "previous": 0.52,
        "change": -13.5,
        "trend": "down",
    }
    assert body["data"]["campaigns"] == {
        "active": 1,
        "pending": 1,
        "completed": 0,
        "totalBudget": 10000,
        "spent": 142,
    }
    assert body["data"]["platforms"] == [
        {
            "platform": "instagram",
            "reach": 1800,
            "engagement": 90,
            "followers": 5200,
            "posts": 3,
            "revenue": 100,
        },
        {
            "platform": "facebook",
            "reach": 2000,
            "engagement": 100,
            "followers": 4100,
            "posts": 1,
            "revenue": 200,
        },
    ]
    only = (await api.get("/v1/dashboard/metrics?timeRange=7d&platforms=facebook")).json()["data"]
    assert only["overview"]["totalReach"]["current"] == 2000
    assert [p["platform"] for p in only["platforms"]] == ["facebook"]
    bad = await api.get("/v1/dashboard/metrics?timeRange=2w")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "VALIDATION_ERROR"
    assert (await api.get("/v1/dashboard/metrics?platforms=myspace")).status_code == 422


async def test_analytics_overview_trends_and_platforms_are_exact(api, upload):
    await _dataset(upload)
    overview = check(
        await api.get("/v1/analytics/overview?timeRange=7d"), "GET /v1/analytics/overview"
    )
    assert overview["data"]["overview"]["totalFollowers"] == {
        "value": 9300,
        "change": 86.0,
        "trend": "up",
    }
    assert overview["data"]["timeRange"] == "7d"

    trends = check(await api.get("/v1/analytics/trends?timeRange=7d"), "GET /v1/analytics/trends")
    assert trends["data"]["trends"] == [
        {"date": "2024-03-08", "reach": 2000, "engagement": 100, "followers": 4100, "posts": 1},
        {"date": "2024-03-09", "reach": 800, "engagement": 40, "followers": 5150, "posts": 1},
        {"date": "2024-03-10", "reach": 1000, "engagement": 50, "followers": 5200, "posts": 2},
    ]
    # growth 4100 -> 5150 = 25.61 %, 5150 -> 5200 = 0.97 %: mean 13.3
    assert trends["data"]["summary"] == {
        "totalReach": 3800,
        "totalEngagement": 190,
        "avgDailyGrowth": 13.3,
        "bestPerformingDay": "2024-03-08",
    }
    reach_only = (await api.get("/v1/analytics/trends?metric=reach&timeRange=7d")).json()
    assert reach_only["data"]["trends"][0] == {"date": "2024-03-08", "reach": 2000, "posts": 1}

    platforms = check(
        await api.get("/v1/analytics/platforms?timeRange=7d"), "GET /v1/analytics/platforms"
    )
    instagram, facebook = platforms["data"]["platforms"]
    assert instagram == {
        "platform": "instagram",
        "name": "Instagram",
        "posts": 3,
        "reach": 1800,
        "engagement": 90,
        "followers": 5200,
        "engagementRate": 5.0,
        "topContentType": "carousel",  # 2 of the period's 3 published posts
        "bestPostingTime": "18:00",  # post 1 (10 %) beats post 2 (2 %)
        "growth": {"reach": 260.0, "engagement": 350.0, "followers": 4.0},
    }
    assert facebook["topContentType"] is None and facebook["growth"]["followers"] == 0.0


async def test_dashboard_agents_as_documented(api, upload):
    empty = (await api.get("/v1/dashboard/agents")).json()["data"]
    assert empty["agents"] == [] and empty["systemStatus"] == "offline"
    await upload(
        "agent_status",
        [
            agent_report(
                "content",
                1,
                name="Content Agent",
                status="active",
                efficiency=96,
                current_task="Drafting a carousel",
                tasks_completed=234,
                tasks_in_progress=5,
                average_time=28,
                success_rate=99.1,
                next_action="Write a script",
                priority="high",
            ),
            agent_report(
                "strategy",
                2,
                name="Strategy Agent",
                status="active",
                efficiency=91,
                tasks_completed=89,
                tasks_in_progress=2,
                average_time=62,
                success_rate=96.2,
                next_action="Plan the calendar",
                priority="medium",
                current_task="Planning",
            ),
        ],
    )
    body = check(await api.get("/v1/dashboard/agents"), "GET /v1/dashboard/agents")
    data = body["data"]
    assert [a["id"] for a in data["agents"]] == ["content", "strategy"]
    assert data["overallEfficiency"] == 94  # (96 + 91) / 2 = 93.5, rounded half up
    assert [type(a["efficiency"]) for a in data["agents"]] == [int, int]  # 96, not 96.0
    assert data["totalTasksCompleted"] == 323 and data["totalTasksInProgress"] == 7
    assert data["systemStatus"] == "optimal"
    assert data["lastUpdate"] == data["agents"][1]["lastUpdate"]


async def test_the_live_engagement_rate_is_the_dashboards_30_day_one(upload, sessions, workspace):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from subscriptions.metrics import METRICS

    await upload("social_accounts", [account(1, "instagram")])
    today = datetime.now(UTC).date()
    await upload(
        "platform_metrics",
        [
            day(1, str(today), reach=3000, engagement=100),
            day(1, str(today - timedelta(days=29)), reach=1000, engagement=26),
            day(1, str(today - timedelta(days=30)), reach=5000, engagement=5000),  # outside
        ],
    )
    async with sessions() as session:
        value = await session.scalar(text(METRICS["engagementRate"]), {"ws": workspace})
    assert float(value) == 3.15  # 126 * 100 / 4000
