"""adQuery's series are written as JSON by PostgreSQL (models/analytics/ads_sql.py,
run_encoded): the text must read back exactly as the values it stands for, typed as Python
types them, keyed and ordered as the buckets are, and the same in `timeline`, `points` and
`buckets`; and a cached answer of an older form is never read."""

from __future__ import annotations

import orjson
import pytest

from gateway.cache import cache_for
from resolvers import ads_metrics
from tests.utils.ads_builders import ad, load

QUERY = """
query($metrics: [AdMetricRequest!]!) {
  adQuery(metrics: $metrics, timeRange: {start: "2024-09-29T00:00:00Z",
          end: "2024-09-29T02:59:59Z"}, granularity: 3600, limit: 100) {
    series { timeline points bucketCount buckets { timestamp values value count } }
    dataPoints
  }
}
"""

# Keys PostgreSQL must escape, and an order where code points and collations disagree.
AWKWARD = [
    ad('Quote "Q" \\ back', "00:00", 100, 1, "1.00", 0),
    ad("zeta", "00:00", 100, 2, "2.00", 0),
    ad("Zeta", "00:00", 100, 3, "3.00", 0),
    ad("Émile", "00:00", 100, 4, "4.00", 0),
    ad("tab\tand\nnewline", "01:00", 100, 5, "5.25", 0),
]


def metric(name, dims=("campaign_name",), aggregation=None, source="meta_ads"):  # type: ignore[no-untyped-def]
    return {
        "name": name,
        "dataType": source,
        "dimensions": list(dims),
        "aggregationType": aggregation,
    }


async def answer(graphql, *metrics):  # type: ignore[no-untyped-def]
    result = await graphql(QUERY, {"metrics": list(metrics)})
    assert result.errors is None, result.errors
    return result.data["adQuery"]


async def test_keys_are_escaped_and_in_code_point_order(upload, graphql):
    await upload("linkedin_ads", AWKWARD)
    data = await answer(graphql, metric("total_clicks", source="linkedin_ads"))
    (series,) = data["series"]
    first, second = series["timeline"]
    assert list(first["values"]) == ['Quote "Q" \\ back', "Zeta", "zeta", "Émile"]
    assert first["values"] == {'Quote "Q" \\ back': 1, "Zeta": 3, "zeta": 2, "Émile": 4}
    assert second["values"] == {"tab\tand\nnewline": 5}
    assert [p["count"] for p in series["timeline"]] == [4, 1]


async def test_doubles_stay_doubles_and_counts_stay_integers(upload, graphql):
    await load(upload)
    data = await answer(
        graphql, metric("total_spend", aggregation="sum"), metric("total_clicks", (), "sum")
    )
    spend, clicks = data["series"]
    # 30.00 spent is the double 30.0, never the integer 30 (PostgreSQL writes it `30`)
    autumn = spend["timeline"][0]["values"]["Autumn Glow"]
    assert autumn == 30.0 and isinstance(autumn, float)
    assert all(isinstance(v, float) for p in spend["timeline"] for v in p["values"].values())
    assert all(isinstance(p["values"]["total"], int) for p in clicks["timeline"])
    assert clicks["timeline"][0]["values"] == {"total": 130}
    assert isinstance(spend["points"][0]["value"], float)


async def test_timeline_points_and_buckets_agree(upload, graphql):
    await load(upload)
    data = await answer(graphql, metric("avg_ctr", ("utm_source", "country"), "avg"))
    (series,) = data["series"]
    timeline, points, buckets = series["timeline"], series["points"], series["buckets"]
    assert series["bucketCount"] == len(timeline) == len(points) == len(buckets) == 3
    for line, point, bucket in zip(timeline, points, buckets, strict=True):
        assert list(point) == ["timestamp", "values", "value", "count"]
        assert {k: v for k, v in point.items() if k != "value"} == line
        assert point["values"] == bucket["values"] and point["value"] == bucket["value"]
        assert point["count"] == bucket["count"]
    # R1 + R2 (facebook, US and DE), R3 (instagram, country not set) in the first hour
    assert list(timeline[0]["values"]) == [
        "facebook / DE",
        "facebook / US",
        "instagram / (not set)",
    ]
    assert data["dataPoints"] == 5


@pytest.mark.counts_side_effects
async def test_an_answer_cached_in_an_older_form_is_not_read(
    upload, graphql, settings, monkeypatch
):
    monkeypatch.setattr(settings, "analytics_cache", True)
    await load(upload)
    first = await answer(graphql, metric("total_spend"))
    cache = cache_for(settings.redis_url)
    older_form = ads_metrics.ANSWER_FORM
    monkeypatch.setattr(ads_metrics, "ANSWER_FORM", older_form + 1)
    stored = []
    original_set = cache.set

    async def recording_set(key, value, ttl=300):  # type: ignore[no-untyped-def]
        stored.append(orjson.loads(value))
        await original_set(key, value, ttl)

    monkeypatch.setattr(cache, "set", recording_set)
    again = await answer(graphql, metric("total_spend"))
    assert stored, "an entry of another form was read instead of computing the answer"
    assert again["series"][0]["timeline"] == first["series"][0]["timeline"]
