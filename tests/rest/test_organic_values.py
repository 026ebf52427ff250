"""Spec 003's numbers on the hand-made dataset (tests/rest/organic_dataset.py), worked out
by hand from docs/metrics.md: the funnel, every attribution model, the overview and the
channel and metric series."""

from __future__ import annotations

import pytest

from tests.rest import organic_dataset


@pytest.fixture
async def organic(api, upload, workspace):  # type: ignore[no-untyped-def]
    await organic_dataset.load(upload)

    async def get(path: str, **params):  # type: ignore[no-untyped-def]
        response = await api.get(path, params={"workspaceId": workspace, **params})
        assert response.status_code == 200, response.text
        return response.json()["data"]

    return get


RANGE = {"startDate": "2024-03-01", "endDate": "2024-03-10"}


async def test_funnel_counts_visitors_reaching_each_stage(organic):
    funnel = (await organic("/api/analytics/funnel", **RANGE))["funnel"]
    # v1, v2 and v4 purchased (v4 only that, in the range: it reached every stage); v3
    # viewed a product.
    assert funnel["steps"] == [
        {"name": "Visit", "count": 4, "percentage": 100.0},
        {"name": "View Product", "count": 4, "percentage": 100.0, "dropoff": 0.0},
        {"name": "Add to Cart", "count": 3, "percentage": 75.0, "dropoff": 25.0},
        {"name": "Checkout", "count": 3, "percentage": 75.0, "dropoff": 0.0},
        {"name": "Purchase", "count": 3, "percentage": 75.0, "dropoff": 0.0},
    ]
    assert funnel["overallConversion"] == 75.0
    early = await organic("/api/analytics/funnel", startDate="2024-03-01", endDate="2024-03-03")
    # v1 visit + view, v2 visit + purchase
    assert [s["count"] for s in early["funnel"]["steps"]] == [2, 2, 1, 1, 1]


def _by_channel(report):  # type: ignore[no-untyped-def]
    return {
        c["channel"]: (c["attributedConversions"], c["attributedRevenue"], c["weight"])
        for c in report["channels"]
    }


async def _model(organic, model):  # type: ignore[no-untyped-def]
    report = (await organic("/api/analytics/attribution", model=model, **RANGE))["attribution"]
    assert report["model"] == model
    assert (report["totalConversions"], report["totalRevenue"]) == (4, 200.0)
    # Every model splits exactly the conversions and revenue there are.
    assert round(sum(c["attributedConversions"] for c in report["channels"]), 2) == 4
    assert round(sum(c["attributedRevenue"] for c in report["channels"]), 2) == 200
    assert round(sum(c["weight"] for c in report["channels"]), 2) == 1
    return report


# Paths (purchase included, after the visitor's previous purchase, 30 days back at most):
# C1 v1 100.00: tiktok, email, blog, email, email | C2 v2 50.00: blog, blog
# C3 v2 30.00: tiktok, tiktok | C4 v4 20.00: social (13 days before), direct


async def test_first_touch(organic):
    report = await _model(organic, "first")
    assert _by_channel(report) == {
        "tiktok": (2.0, 130.0, 0.5),
        "blog": (1.0, 50.0, 0.25),
        "social": (1.0, 20.0, 0.25),
        "email": (0.0, 0.0, 0.0),
        "direct": (0.0, 0.0, 0.0),
    }
    assert [c["channel"] for c in report["channels"]] == [
        "tiktok",
        "blog",
        "social",
        "direct",  # no credit: by name
        "email",
    ]
    # touchpoints: every touchpoint of the channel in the range, whatever its stage
    touchpoints = {c["channel"]: c["touchpoints"] for c in report["channels"]}
    assert touchpoints == {"tiktok": 5, "email": 3, "blog": 3, "direct": 1, "social": 0}


async def test_last_touch(organic):
    assert _by_channel(await _model(organic, "last")) == {
        "email": (1.0, 100.0, 0.25),
        "blog": (1.0, 50.0, 0.25),
        "tiktok": (1.0, 30.0, 0.25),
        "direct": (1.0, 20.0, 0.25),
        "social": (0.0, 0.0, 0.0),
    }


async def test_linear(organic):
    # C1 gives 0.2 to each of its five touches; the others 0.5 or 1.
    assert _by_channel(await _model(organic, "linear")) == {
        "blog": (1.2, 70.0, 0.3),
        "email": (0.6, 60.0, 0.15),
        "tiktok": (1.2, 50.0, 0.3),
        "direct": (0.5, 10.0, 0.13),  # 0.125 each: the spare cent goes by channel name
        "social": (0.5, 10.0, 0.12),
    }


async def test_time_decay_with_a_seven_day_half_life(organic):
    def w(days: float) -> float:
        return 0.5 ** (days / 7)

    c1 = {"tiktok": w(4 + 2 / 24), "email": w(2 + 2 / 24) + w(2 / 24) + w(0), "blog": w(1 + 2 / 24)}
    total = sum(c1.values())
    c4_social = w(13) / (w(13) + w(0))  # 2024-02-25 -> 03-09: 13 days
    expected_conversions = {
        "tiktok": c1["tiktok"] / total + 1,  # + C3
        "email": c1["email"] / total,
        "blog": c1["blog"] / total + 1,  # + C2
        "social": c4_social,
        "direct": 1 - c4_social,
    }
    expected_revenue = {
        "tiktok": c1["tiktok"] / total * 100 + 30,
        "email": c1["email"] / total * 100,
        "blog": c1["blog"] / total * 100 + 50,
        "social": c4_social * 20,
        "direct": (1 - c4_social) * 20,
    }
    got = _by_channel(await _model(organic, "time-decay"))
    for channel, (conversions, revenue, weight) in got.items():
        assert conversions == pytest.approx(expected_conversions[channel], abs=0.01), channel
        assert revenue == pytest.approx(expected_revenue[channel], abs=0.01), channel
        assert weight == pytest.approx(expected_conversions[channel] / 4, abs=0.01), channel


async def test_overview_against_the_previous_week(organic):
    data = await organic("/api/dashboard/overview", dateRange="week")
    # this week 03-04..03-10, the week before 02-26..03-03
    assert data["metrics"]["revenue"] == {"value": 225.5, "change": 125.5, "trend": "up"}
    assert data["metrics"]["traffic"] == {"value": 2100, "change": 75.0, "trend": "up"}
    assert data["metrics"]["leads"] == {"value": 2, "change": 100.0, "trend": "up"}
    # 23 / 2100 = 1.10 % against 8 / 1200 = 0.67 %: +0.4 points
    assert data["metrics"]["conversion"] == {"value": 1.1, "change": 0.4, "trend": "up"}
    assert data["channels"] == [
        {"name": "TikTok", "revenue": 150.0, "traffic": 1500, "percentage": 66.5},
        {"name": "Blog", "revenue": 50.0, "traffic": 500, "percentage": 22.2},
        {"name": "Email", "revenue": 25.5, "traffic": 100, "percentage": 11.3},
    ]
    assert data["systemHealth"] == {
        "status": "degraded",
        # spec 003's four services: email runs on Gmail; blog and mcf were never connected
        "services": {
            "tiktok": "operational",
            "email": "degraded",
            "blog": "disconnected",
            "mcf": "disconnected",
        },
    }
    assert [a["id"] for a in data["recentActivity"]] == ["act_3", "act_2", "act_1"]


async def test_channel_performance_and_metric_series(organic):
    channels = (
        await organic(
            "/api/analytics/channels",
            startDate="2024-03-04",
            endDate="2024-03-10",
            granularity="week",
        )
    )["channels"]
    assert list(channels) == ["tiktok", "blog", "email"]
    assert channels["tiktok"] == {
        "metrics": {"revenue": 150.0, "traffic": 1500, "conversions": 15, "avgOrderValue": 12.5},
        "series": [{"date": "2024-03-04", "revenue": 150.0, "traffic": 1500}],
    }
    metrics = (
        await organic(
            "/api/dashboard/metrics",
            **{"metrics[]": ["revenue", "leads"]},
            startDate="2024-03-04",
            endDate="2024-03-06",
        )
    )["metrics"]
    assert metrics == {
        "revenue": {
            "total": 150.0,
            "series": [
                {"date": "2024-03-04", "value": 0.0},
                {"date": "2024-03-05", "value": 100.0},
                {"date": "2024-03-06", "value": 50.0},
            ],
        },
        "leads": {
            "total": 1,
            "series": [
                {"date": "2024-03-04", "value": 0},
                {"date": "2024-03-05", "value": 1},
                {"date": "2024-03-06", "value": 0},
            ],
        },
    }
