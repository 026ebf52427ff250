"""adPerformance rows and adMetrics buckets: exact sums and ratios, computed in SQL."""

from __future__ import annotations

import pytest

METRICS = """
query($metric: AdMetric!, $dims: [String!], $g: Int, $filters: JSON, $source: String!) {
  adMetrics(source: $source, from: "2024-09-29T00:00:00Z", to: "2024-09-29T02:00:00Z",
            metric: $metric, dimensions: $dims, granularitySeconds: $g, filters: $filters) {
    timestamp values value count
  }
}
"""


def ad(campaign, time, impressions, clicks, spend, conversions, revenue=None, **dims):  # type: ignore[no-untyped-def]
    return {
        "campaign_name": campaign,
        "date": f"2024-09-29T{time}:00Z",
        "impressions": impressions,
        "clicks": clicks,
        "spend": spend,
        "conversions": conversions,
        "revenue": revenue,
        **dims,
    }


@pytest.fixture
async def ads(upload):  # type: ignore[no-untyped-def]
    await upload(
        "meta_ads",
        [
            ad(
                "Spring Tide",
                "00:00",
                1000,
                30,
                "12.50",
                2,
                "50",
                utm_source="facebook",
                country="US",
            ),
            ad(
                "Spring Tide",
                "00:30",
                1000,
                10,
                "7.50",
                0,
                None,
                utm_source="facebook",
                country="DE",
            ),
            ad("Autumn Glow", "00:00", 3000, 90, "30.00", 3, "45", utm_source="instagram"),
            ad(
                "Spring Tide",
                "01:00",
                2000,
                20,
                "10.00",
                1,
                "40",
                utm_source="facebook",
                country="US",
            ),
            ad(
                "Spring Tide", "02:00", 9999, 99, "99.00", 9, "99", utm_source="facebook"
            ),  # after `to`
        ],
    )
    await upload("google_ads", [ad("Spring Tide", "00:00", 500, 5, "5.00", 1)])


async def metric(graphql, name, dims=None, g=3600, filters=None, source="meta_ads"):  # type: ignore[no-untyped-def]
    variables = {"metric": name, "dims": dims, "g": g, "filters": filters, "source": source}
    result = await graphql(METRICS, variables)
    assert result.errors is None, result.errors
    return result.data["adMetrics"]


async def test_total_spend_by_campaign_per_hour(ads, graphql):
    assert await metric(graphql, "TOTAL_SPEND", ["campaign_name"]) == [
        {
            "timestamp": "2024-09-29T00:00:00+00:00",
            "values": {"Spring Tide": 20.0, "Autumn Glow": 30.0},
            "value": 50.0,
            "count": 3,
        },
        {
            "timestamp": "2024-09-29T01:00:00+00:00",
            "values": {"Spring Tide": 10.0},
            "value": 10.0,
            "count": 1,
        },
    ]


async def test_ctr_is_a_ratio_of_sums(ads, graphql):
    buckets = await metric(graphql, "AVG_CTR", ["campaign_name"])
    assert [(b["values"], b["value"]) for b in buckets] == [
        ({"Spring Tide": 40 / 2000, "Autumn Glow": 90 / 3000}, 130 / 5000),
        ({"Spring Tide": 20 / 2000}, 20 / 2000),
    ]


async def test_roas_without_dimensions_ignores_unreported_revenue(ads, graphql):
    buckets = await metric(graphql, "ROAS")
    assert [(b["values"], b["value"], b["count"]) for b in buckets] == [
        ({"total": 1.9}, 1.9, 3),  # (50 + 45) / (12.5 + 7.5 + 30)
        ({"total": 4.0}, 4.0, 1),
    ]


async def test_two_dimensions_and_a_division_by_zero(ads, graphql):
    buckets = await metric(graphql, "AVG_CPA", ["utm_source", "country"])
    assert buckets[0]["values"] == {
        "facebook / US": 6.25,
        "facebook / DE": None,  # spend without conversions: no cost per acquisition
        "instagram / (not set)": 10.0,
    }
    assert buckets[0]["value"] == 10.0


async def test_half_hour_buckets_and_filters(ads, graphql):
    buckets = await metric(graphql, "TOTAL_CLICKS", g=1800)
    assert [(b["timestamp"][11:16], b["value"]) for b in buckets] == [
        ("00:00", 120.0),
        ("00:30", 10.0),
        ("01:00", 20.0),
    ]
    filtered = await metric(graphql, "TOTAL_IMPRESSIONS", filters={"utm_source": "facebook"})
    assert [b["value"] for b in filtered] == [2000.0, 2000.0]
    by_column = await metric(graphql, "TOTAL_CONVERSIONS", filters={"campaign_name": "Autumn Glow"})
    assert [(b["values"], b["count"]) for b in by_column] == [({"total": 3.0}, 1)]
    google = await metric(graphql, "TOTAL_SPEND", source="google_ads")
    assert [b["value"] for b in google] == [5.0]


@pytest.mark.parametrize(
    ("arguments", "argument"),
    [
        (
            'granularitySeconds: 59, from: "2024-09-29T00:00:00Z", to: "2024-09-30T00:00:00Z"',
            "granularitySeconds",
        ),
        (
            'granularitySeconds: 86401, from: "2024-09-29T00:00:00Z", to: "2024-09-30T00:00:00Z"',
            "granularitySeconds",
        ),
        ('from: "2024-09-29T00:00:00Z", to: "2024-09-29T00:00:00Z"', "to"),
        (
            'granularitySeconds: 60, from: "2024-01-01T00:00:00Z", to: "2024-09-29T00:00:00Z"',
            "granularitySeconds",
        ),
    ],
)
async def test_bad_windows_are_bad_user_input(graphql, arguments, argument):
    query = f'{{ adMetrics(source: "meta_ads", metric: TOTAL_SPEND, {arguments}) {{ count }} }}'
    result = await graphql(query)
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "argument": argument}


async def test_ad_performance_rows_filtered_and_paged(ads, graphql):
    query = """
    query($after: String) {
      adPerformance(source: "meta_ads", campaignName: "Spring Tide",
                    from: "2024-09-29T00:00:00Z", to: "2024-09-29T02:00:00Z",
                    first: 2, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { id source occurredAt impressions clicks spend revenue ctr dimensions }
      }
    }"""
    first = await graphql(query)
    assert first.errors is None, first.errors
    page = first.data["adPerformance"]
    assert page["totalCount"] == 3
    assert [n["occurredAt"][11:16] for n in page["nodes"]] == ["01:00", "00:30"]
    newest = page["nodes"][0]
    assert (newest["spend"], newest["revenue"], newest["ctr"]) == ("10.0000", "40.0000", 0.01)
    assert newest["dimensions"] == {"utm_source": "facebook", "country": "US"}
    rest = await graphql(query, {"after": page["pageInfo"]["endCursor"]})
    assert [n["occurredAt"][11:16] for n in rest.data["adPerformance"]["nodes"]] == ["00:00"]
    node = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": newest["id"]})
    assert node.data["node"] == {"id": newest["id"]}


async def test_unknown_source_is_bad_user_input(graphql):
    query = """{ adMetrics(source: "carrier_pigeon_ads", metric: TOTAL_SPEND,
                 from: "2024-09-29T00:00:00Z", to: "2024-09-30T00:00:00Z") { count } }"""
    result = await graphql(query)
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "argument": "source"}
    assert "meta_ads" in result.errors[0].message


async def test_filters_must_map_names_to_scalars(graphql):
    query = """{ adMetrics(source: "meta_ads", metric: TOTAL_SPEND, filters: {country: ["US"]},
                 from: "2024-09-29T00:00:00Z", to: "2024-09-30T00:00:00Z") { count } }"""
    result = await graphql(query)
    assert result.errors[0].extensions == {"code": "BAD_USER_INPUT", "argument": "filters"}
