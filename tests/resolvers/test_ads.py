"""adPerformance rows and adQuery (spec 001's query engine): every figure against the hand
computation on tests/utils/ads_builders.py's rows (R1..R5, G1; see its table)."""

from __future__ import annotations

import pytest

from tests.utils import ads_builders

QUERY = """
query($metrics: [AdMetricRequest!]!, $start: DateTime!, $end: DateTime!, $g: Int!,
      $filters: JSON, $limit: Int!) {
  adQuery(metrics: $metrics, timeRange: {start: $start, end: $end}, granularity: $g,
          filters: $filters, limit: $limit) {
    series { name dataType dimensions aggregationType
             buckets { timestamp values value count } }
    dataPoints cacheHit
  }
}
"""


@pytest.fixture
async def ads(upload):  # type: ignore[no-untyped-def]
    await ads_builders.load(upload)


def metric(name, dims=(), aggregation=None, source="meta_ads"):  # type: ignore[no-untyped-def]
    return {
        "name": name,
        "dataType": source,
        "dimensions": list(dims),
        "aggregationType": aggregation,
    }


async def ask(
    graphql, *metrics, start="00:00:00", end="01:59:59", g=3600, filters=None, limit=1000
):  # type: ignore[no-untyped-def]
    variables = {
        "metrics": list(metrics),
        "start": start if "T" in start else f"2024-09-29T{start}Z",
        "end": end if "T" in end else f"2024-09-29T{end}Z",
        "g": g,
        "filters": filters,
        "limit": limit,
    }
    return await graphql(QUERY, variables)


async def series(graphql, *metrics, **kw):  # type: ignore[no-untyped-def]
    result = await ask(graphql, *metrics, **kw)
    assert result.errors is None, result.errors
    return [s["buckets"] for s in result.data["adQuery"]["series"]]


def at(buckets):  # type: ignore[no-untyped-def]
    return [(b["timestamp"][11:16], b["values"], b["value"], b["count"]) for b in buckets]


async def test_total_spend_by_campaign_per_hour(ads, graphql):
    (spend,) = await series(graphql, metric("total_spend", ["campaign_name"], "sum"))
    assert at(spend) == [
        ("00:00", {"Autumn Glow": 30.0, "Spring Tide": 20.0}, 50.0, 3),  # R1+R2, R3
        ("01:00", {"Spring Tide": 10.0}, 10.0, 1),  # R4; R5 (02:00) is after the range
    ]


@pytest.mark.parametrize(
    ("aggregation", "first_hour", "whole"),
    [
        ("sum", {"Autumn Glow": 90, "Spring Tide": 40}, 130),
        ("avg", {"Autumn Glow": 90.0, "Spring Tide": 20.0}, 130 / 3),
        ("min", {"Autumn Glow": 90, "Spring Tide": 10}, 10),
        ("max", {"Autumn Glow": 90, "Spring Tide": 30}, 90),
        ("count", {"Autumn Glow": 1, "Spring Tide": 2}, 3),
    ],
)
async def test_each_aggregation_of_a_total(ads, graphql, aggregation, first_hour, whole):
    (clicks,) = await series(graphql, metric("total_clicks", ["campaign_name"], aggregation))
    assert clicks[0]["values"] == first_hour
    assert clicks[0]["value"] == pytest.approx(whole)


@pytest.mark.parametrize(
    ("aggregation", "first_hour", "whole"),
    [
        # the group's own ratio: sum of clicks / sum of impressions
        ("avg", {"Autumn Glow": 90 / 3000, "Spring Tide": 40 / 2000}, 130 / 5000),
        ("min", {"Autumn Glow": 0.03, "Spring Tide": 0.01}, 0.01),  # rows' own ratios
        ("max", {"Autumn Glow": 0.03, "Spring Tide": 0.03}, 0.03),
        ("count", {"Autumn Glow": 1, "Spring Tide": 2}, 3),
    ],
)
async def test_each_aggregation_of_a_ratio(ads, graphql, aggregation, first_hour, whole):
    (ctr,) = await series(graphql, metric("avg_ctr", ["campaign_name"], aggregation))
    assert ctr[0]["values"] == pytest.approx(first_hour)
    assert ctr[0]["value"] == pytest.approx(whole)


async def test_every_ratio_metric(ads, graphql):
    names = ["avg_cpc", "avg_cpm", "avg_cpa", "conversion_rate", "roas", "total_revenue"]
    answers = await series(graphql, *(metric(n) for n in names))
    first_hour = [a[0]["value"] for a in answers]
    assert first_hour == pytest.approx(
        [
            50 / 130,  # spend / clicks
            50 / 5000 * 1000,  # spend per 1,000 impressions
            50 / 5,  # spend / conversions
            5 / 130,  # conversions / clicks
            95 / 42.5,  # revenue / spend of R1 and R3 only: R2 reports no revenue
            95.0,
        ]
    )
    assert [a[1]["value"] for a in answers] == pytest.approx([0.5, 5.0, 10.0, 0.05, 4.0, 40.0])


async def test_two_dimensions_not_set_and_a_division_by_zero(ads, graphql):
    (cpa,) = await series(graphql, metric("avg_cpa", ["utm_source", "country"]))
    assert cpa[0]["values"] == {
        "facebook / DE": None,  # spend without conversions: no cost per acquisition
        "facebook / US": 6.25,
        "instagram / (not set)": 10.0,
    }


async def test_documented_dimension_without_data_reads_not_set(ads, graphql):
    (spend,) = await series(graphql, metric("total_spend", ["device"]))
    assert spend[0]["values"] == {"(not set)": 50.0}


async def test_bucket_edges(ads, graphql):
    half_hours = await series(graphql, metric("total_clicks"), g=1800, end="02:00:00")
    # the end is inclusive: R5 at exactly 02:00 is in
    assert [(t, v) for t, _, v, _ in at(half_hours[0])] == [
        ("00:00", 120),  # R1, R3
        ("00:30", 10),  # R2
        ("01:00", 20),
        ("02:00", 99),
    ]
    # buckets are aligned on the epoch, not on the start: 00:15 starts inside the 00:00 one
    late = await series(graphql, metric("total_clicks"), start="00:15:00", end="01:00:00")
    assert [(t, v, n) for t, _, v, n in at(late[0])] == [("00:00", 10, 1), ("01:00", 20, 1)]
    daily = await series(graphql, metric("total_clicks"), g=86400, end="23:59:59")
    assert [(t, v, n) for t, _, v, n in at(daily[0])] == [("00:00", 249, 5)]


async def test_filters_columns_lists_and_sources(ads, graphql):
    (active,) = await series(
        graphql, metric("total_impressions"), filters={"campaign_status": "active"}
    )
    assert [(b["value"], b["count"]) for b in active] == [(2000, 2), (2000, 1)]
    (both,) = await series(
        graphql, metric("total_spend", ["utm_source"]), filters={"country": ["US", "DE"]}
    )
    assert both[0]["values"] == {"facebook": 20.0}
    (autumn,) = await series(
        graphql, metric("total_conversions"), filters={"campaign_name": "Autumn Glow"}
    )
    assert [(b["values"], b["count"]) for b in autumn] == [({"total": 3}, 1)]
    meta, google = await series(
        graphql, metric("total_spend"), metric("total_spend", source="google_ads")
    )
    assert [b["value"] for b in meta] == [50.0, 10.0]
    assert [b["value"] for b in google] == [5.0]


async def test_limit_keeps_the_first_buckets_and_data_points_count_rows(ads, graphql):
    result = await ask(graphql, metric("total_spend"), metric("avg_ctr", ["utm_source"]), limit=1)
    answer = result.data["adQuery"]
    assert [len(s["buckets"]) for s in answer["series"]] == [1, 1]
    assert answer["dataPoints"] == 3 + 3  # rows aggregated, summed over both series


@pytest.mark.counts_side_effects
async def test_one_statement_per_source(ads, graphql, count_statements, settings, monkeypatch):
    monkeypatch.setattr(settings, "analytics_cache", False)
    metrics = [
        metric("total_spend", ["campaign_name"]),
        metric("avg_ctr", ["utm_source"]),
        metric("roas", ["utm_source", "country"]),
        metric("total_clicks"),
    ]
    count_statements.count = 0
    assert (await ask(graphql, *metrics)).errors is None
    one_source = count_statements.count
    count_statements.count = 0
    assert (await ask(graphql, *metrics, metric("total_spend", source="google_ads"))).errors is None
    # frame + known dimensions + one scan per source
    assert (one_source, count_statements.count) == (3, 4)


async def test_times_without_offset_are_utc(ads, graphql):
    variables = {
        "metrics": [metric("total_spend")],
        "start": "2024-09-29T00:00:00.000001",
        "end": "2024-09-29T01:30:00",
        "g": 3600,
        "filters": None,
        "limit": 10,
    }
    result = await graphql(QUERY, variables)
    assert [b["value"] for b in result.data["adQuery"]["series"][0]["buckets"]] == [7.5, 10.0]


_AGGREGATION = "metrics[0].aggregationType"


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"metrics": [metric("total_sales")]}, "metrics[0].name", "unknown metric"),
        ({"metrics": [metric("total_spend", source="fax")]}, "metrics[0].dataType", "data_type"),
        ({"metrics": [metric("avg_ctr", aggregation="median")]}, _AGGREGATION, "unknown"),
        ({"metrics": [metric("avg_ctr", aggregation="sum")]}, _AGGREGATION, "ratio"),
        ({"metrics": [metric("total_spend", ["utm_sauce"])]}, "metrics[0].dimensions", "sauce"),
        ({"filters": {"colour": "red"}}, "filters.colour", "unknown dimension"),
        ({"filters": {"country": {"in": "US"}}}, "filters.country", "string, number or boolean"),
        ({"g": 59}, "granularity", "must be between 60 and 86400"),
        ({"g": 86401}, "granularity", "must be between 60 and 86400"),
        ({"limit": 0}, "limit", "between 1 and 10000"),
        ({"metrics": []}, "metrics", "at least one"),
    ],
)  # fmt: skip
async def test_refusals_name_the_field(ads, graphql, change, field, fragment):
    variables = {
        "metrics": [metric("total_spend")],
        "start": "2024-09-29T00:00:00Z",
        "end": "2024-09-29T01:59:59Z",
        "g": 3600,
        "filters": None,
        "limit": 1000,
        **change,
    }
    result = await graphql(QUERY, variables)
    assert result.errors is not None
    error = result.errors[0]
    assert error.extensions["code"] == "VALIDATION_ERROR"
    assert error.extensions["field"] == field
    assert error.extensions["details"] == [{"field": field, "message": error.message}]
    assert fragment in error.message


async def test_inverted_range_is_spec_001s_documented_error(graphql):
    result = await ask(graphql, metric("total_spend"), start="02:00:00", end="01:00:00")
    assert result.errors[0].extensions["details"] == {
        "field": "timeRange.end",
        "issue": "End time must be after start time",
    }


async def test_at_most_ten_thousand_buckets(graphql):
    # 9,999 minutes and 59 s after the start is the last second of the 10,000th minute
    start = "2024-09-29T00:00:00Z"
    fine = await ask(graphql, metric("total_spend"), g=60, start=start, end="2024-10-05T22:39:59Z")
    assert fine.errors is None, fine.errors
    over = await ask(graphql, metric("total_spend"), g=60, start=start, end="2024-10-05T22:40:00Z")
    assert "10001 buckets" in over.errors[0].message
    assert over.errors[0].extensions["field"] == "granularity"


async def test_definitions_and_dimensions_come_from_the_registry(ads, graphql):
    result = await graphql(
        "{ adMetricDefinitions { name kind defaultAggregation aggregations } "
        'adDimensions(dataType: "meta_ads") }'
    )
    definitions = {d["name"]: d for d in result.data["adMetricDefinitions"]}
    assert set(definitions) >= {
        "total_spend", "total_impressions", "total_clicks", "total_conversions", "avg_ctr",
        "avg_cpc", "avg_cpm", "conversion_rate", "roas",
    }  # fmt: skip
    assert definitions["roas"]["aggregations"] == ["avg", "min", "max", "count"]
    assert definitions["total_spend"]["defaultAggregation"] == "sum"
    assert {"utm_source", "country", "campaign_status", "campaign_name"} <= set(
        result.data["adDimensions"]
    )


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
    assert newest["dimensions"] == {
        "utm_source": "facebook",
        "country": "US",
        "campaign_status": "active",
    }
    rest = await graphql(query, {"after": page["pageInfo"]["endCursor"]})
    assert [n["occurredAt"][11:16] for n in rest.data["adPerformance"]["nodes"]] == ["00:00"]
    node = await graphql("query($id: ID!) { node(id: $id) { id } }", {"id": newest["id"]})
    assert node.data["node"] == {"id": newest["id"]}
