"""Every spec 001 route against its documented example (same keys at every level, same
types, status) on the fixed rows of tests/utils/ads_builders.py, with the values computed
by hand; the documented errors; scopes and roles."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.principal import ROLE_SCOPES
from tests.utils import ads_builders

ENVELOPE = {"success", "data", "metadata", "message", "timestamp"}
PLAIN = {"success", "data", "message", "timestamp"}
ERROR = {"success", "data", "metadata", "message", "timestamp", "error_code", "details"}
BASE_METADATA = {"query_time", "cache_hit_rate", "data_points", "memory_usage"}

# The spec's own example request body (section 3).
DASHBOARD_EXAMPLE = {
    "metrics": [
        {
            "name": "total_spend",
            "data_type": "meta_ads",
            "dimensions": ["campaign_name"],
            "aggregation_type": "sum",
        },
        {
            "name": "avg_ctr",
            "data_type": "meta_ads",
            "dimensions": ["utm_source"],
            "aggregation_type": "avg",
        },
    ],
    "time_range": {"start": "2024-09-28T00:00:00Z", "end": "2024-09-29T23:59:59Z"},
    "granularity": 3600,
    "filters": {"campaign_status": "active"},
    "limit": 1000,
}
SERIES_EXAMPLE = (
    "/v1/metrics/total_spend/timeseries?data_type=meta_ads&start_time=2024-09-29T00:00:00Z"
    "&end_time=2024-09-29T23:59:59Z&granularity=3600&dimensions=campaign_name"
)
CSV_EXAMPLE = (
    "/v1/export/csv/total_spend?data_type=meta_ads&start_time=2024-09-29T00:00:00Z"
    "&end_time=2024-09-29T23:59:59Z&granularity=3600"
)


@pytest.fixture
async def ads(api, upload):  # type: ignore[no-untyped-def]
    await ads_builders.load(upload)
    return api


def _stamp(text: str) -> bool:
    return len(text) == 20 and text[10] == "T" and text.endswith("Z")


async def test_dashboard_example(ads):
    response = await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ENVELOPE and body["success"] is True and _stamp(body["timestamp"])
    assert body["message"] == "Dashboard data retrieved successfully"
    assert set(body["metadata"]) == BASE_METADATA | {"cache_hit", "total_query_time"}
    assert body["metadata"]["cache_hit"] is False
    assert body["metadata"]["data_points"] == 8  # active rows R1 R2 R4 R5, in both series
    # campaign_status active leaves R3 (Autumn Glow, paused) out
    assert body["data"] == {
        "total_spend": [
            {"timestamp": "2024-09-29T00:00:00Z", "values": {"Spring Tide": 20.0}, "count": 2},
            {"timestamp": "2024-09-29T01:00:00Z", "values": {"Spring Tide": 10.0}, "count": 1},
            {"timestamp": "2024-09-29T02:00:00Z", "values": {"Spring Tide": 99.0}, "count": 1},
        ],
        "avg_ctr": [
            {"timestamp": "2024-09-29T00:00:00Z", "values": {"facebook": 0.02}, "count": 2},
            {"timestamp": "2024-09-29T01:00:00Z", "values": {"facebook": 0.01}, "count": 1},
            {"timestamp": "2024-09-29T02:00:00Z", "values": {"facebook": 99 / 9999},
             "count": 1},
        ],
    }  # fmt: skip
    again = (await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)).json()
    assert again["metadata"]["cache_hit"] is True and again["data"] == body["data"]


async def test_timeseries_example(ads):
    response = await ads.get(SERIES_EXAMPLE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == ENVELOPE
    assert set(body["metadata"]) == BASE_METADATA | {"cache_hit"}
    assert body["message"] == "Time series data for total_spend retrieved successfully"
    assert body["metadata"]["data_points"] == 3
    assert body["data"] == {
        "metric_name": "total_spend",
        "data_type": "meta_ads",
        "time_series": [
            {
                "timestamp": "2024-09-29T00:00:00Z",
                "values": {"Autumn Glow": 30.0, "Spring Tide": 20.0},
                "count": 3,
            },
            {"timestamp": "2024-09-29T01:00:00Z", "values": {"Spring Tide": 10.0}, "count": 1},
            {"timestamp": "2024-09-29T02:00:00Z", "values": {"Spring Tide": 99.0}, "count": 1},
        ],
        "granularity": 3600,
        "dimensions": ["campaign_name"],
    }


async def test_timeseries_takes_repeated_or_comma_separated_dimensions(ads):
    base = SERIES_EXAMPLE.replace("&dimensions=campaign_name", "")
    repeated = (await ads.get(base + "&dimensions=utm_source&dimensions=country")).json()
    commas = (await ads.get(base + "&dimensions=utm_source,country")).json()
    assert repeated["data"] == commas["data"]
    assert repeated["data"]["dimensions"] == ["utm_source", "country"]
    assert repeated["data"]["time_series"][0]["values"] == {
        "facebook / DE": 7.5,
        "facebook / US": 12.5,
        "instagram / (not set)": 30.0,
    }


async def test_csv_example_streams_the_documented_columns(ads):
    response = await ads.get(CSV_EXAMPLE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text == (
        "timestamp,metric_value,count\n"
        "2024-09-29T00:00:00Z,50.0,3\n"
        "2024-09-29T01:00:00Z,10.0,1\n"
        "2024-09-29T02:00:00Z,99.0,1\n"
    )
    ratio = await ads.get(CSV_EXAMPLE.replace("total_spend", "avg_cpa"))
    # R2's half hour alone has spend without conversions: an empty value, not 0
    lines = ratio.text.splitlines()
    assert lines[1] == "2024-09-29T00:00:00Z,10.0,3"
    empty = await ads.get(CSV_EXAMPLE.replace("2024-09-29T", "2024-09-20T"))
    assert empty.text == "timestamp,metric_value,count\n"


async def test_csv_batches_cover_every_bucket_once(ads, monkeypatch):
    from models.analytics import ads_sql

    original = ads_sql.export_batches

    def one_bucket_batches(session, **kw):  # type: ignore[no-untyped-def]
        return original(session, **kw, batch_buckets=1)

    monkeypatch.setattr(ads_sql, "export_batches", one_bucket_batches)
    halves = await ads.get(CSV_EXAMPLE.replace("granularity=3600", "granularity=1800"))
    assert halves.text.splitlines()[1:] == [
        "2024-09-29T00:00:00Z,42.5,2",
        "2024-09-29T00:30:00Z,7.5,1",
        "2024-09-29T01:00:00Z,10.0,1",
        "2024-09-29T02:00:00Z,99.0,1",
    ]


async def test_health_reports_what_it_checked(ads):
    response = await ads.get("/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"api", "aggregator", "redis", "timestamp", "aggregator_stats"}
    assert (body["api"], body["aggregator"]) == ("healthy", "healthy")
    assert body["redis"] in ("healthy", "not_configured")
    assert set(body["aggregator_stats"]) == {"queries_processed", "avg_latency", "cache_hit_rate"}


async def test_performance_statistics_count_real_queries(ads):
    before = (await ads.get("/v1/stats/performance")).json()
    await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)
    await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)
    response = await ads.get("/v1/stats/performance")
    body = response.json()
    assert set(body) == PLAIN
    assert body["message"] == "Performance statistics retrieved successfully"
    data = body["data"]
    assert set(data) == {"aggregation_engine", "redis_cache", "api_metrics"}
    engine = data["aggregation_engine"]
    assert set(engine) == {
        "aggregation_stats",
        "cache_stats",
        "memory_usage",
        "active_computations",
    }
    assert set(engine["cache_stats"]) == {"hits", "misses", "sets", "hit_rate", "local_cache_size"}
    assert set(engine["memory_usage"]) == {"percent", "available_gb"}
    assert set(data["api_metrics"]) == {"uptime", "version"}
    assert data["api_metrics"]["version"] == "1.0.0"
    old = before["data"]["aggregation_engine"]
    assert (
        engine["aggregation_stats"]["queries_processed"]
        == old["aggregation_stats"]["queries_processed"] + 2
    )
    assert engine["cache_stats"]["hits"] >= old["cache_stats"]["hits"] + 1  # the second one
    assert engine["cache_stats"]["sets"] >= old["cache_stats"]["sets"] + 1
    if data["redis_cache"] is not None:
        assert set(data["redis_cache"]) == {
            "connected_clients",
            "used_memory_human",
            "keyspace_hits",
            "keyspace_misses",
            "hit_rate",
        }


async def test_cache_clear_example_and_its_effect(ads):
    await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)
    response = await ads.delete("/v1/cache/clear", params={"pattern": "dashboard:*"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PLAIN
    assert body["message"] == "Cache cleared for pattern: dashboard:*"
    assert body["data"] == {
        "redis_keys_cleared": 1,
        "pattern": "dashboard:*",
        "status": "cache_cleared",
    }
    after = (await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)).json()
    assert after["metadata"]["cache_hit"] is False
    default = (await ads.delete("/v1/cache/clear")).json()
    assert default["data"]["pattern"] == "*" and default["data"]["redis_keys_cleared"] == 1


async def test_an_upload_invalidates_the_cached_answer(ads):
    await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)
    row = ads_builders.ad("Spring Tide", "01:00", 10, 1, "5.00", 0, utm_source="facebook")
    row["campaign_status"] = "active"
    upload = await ads.post("/v1/data/upload", json={"data_type": "meta_ads", "data": [row]})
    assert upload.status_code == 200, upload.text
    after = (await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)).json()
    assert after["metadata"]["cache_hit"] is False
    assert after["data"]["total_spend"][1]["values"] == {"Spring Tide": 15.0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"metrics": [{"name": "total_sales", "data_type": "meta_ads"}]}, "metrics[0].name"),
        ({"metrics": [{"name": "total_spend", "data_type": "fax"}]}, "metrics[0].data_type"),
        (
            {"metrics": [{"name": "avg_ctr", "data_type": "meta_ads", "aggregation_type": "p99"}]},
            "metrics[0].aggregation_type",
        ),
        (
            {"metrics": [{"name": "avg_ctr", "data_type": "meta_ads", "dimensions": ["nope"]}]},
            "metrics[0].dimensions",
        ),
        ({"granularity": 59}, "granularity"),
        ({"granularity": 60, "time_range": {"start": "2024-09-01T00:00:00Z",
                                            "end": "2024-09-29T00:00:00Z"}}, "granularity"),
        ({"time_range": {"start": "not a time", "end": "2024-09-29T00:00:00Z"}},
         "time_range.start"),
        ({"filters": {"colour": "red"}}, "filters.colour"),
        ({"limit": 0}, "limit"),
    ],
)  # fmt: skip
async def test_dashboard_errors_in_spec_001s_format(ads, change, field):
    body = {**DASHBOARD_EXAMPLE, **change}
    response = await ads.post("/v1/query/dashboard", json=body)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert set(payload) == ERROR and payload["error_code"] == "VALIDATION_ERROR"
    assert payload["data"] is None and payload["metadata"] is None
    assert payload["details"][0]["field"] == field


async def test_inverted_time_range_is_the_documented_error(ads):
    body = {**DASHBOARD_EXAMPLE, "time_range": {"start": "2024-09-29T00:00:00Z",
                                                "end": "2024-09-28T00:00:00Z"}}  # fmt: skip
    payload = (await ads.post("/v1/query/dashboard", json=body)).json()
    assert payload["message"] == "End time must be after start time"
    assert payload["details"] == {
        "field": "time_range.end",
        "issue": "End time must be after start time",
    }
    earlier = ("end_time=2024-09-29T23", "end_time=2024-09-28T23")
    series = await ads.get(SERIES_EXAMPLE.replace(*earlier))
    assert series.status_code == 422
    assert series.json()["details"]["field"] == "end_time"
    csv = await ads.get(CSV_EXAMPLE.replace(*earlier))
    assert csv.status_code == 422
    assert csv.json()["details"]["field"] == "end_time"


async def test_granularity_error_is_the_documented_one(ads):
    payload = (await ads.get(SERIES_EXAMPLE.replace("granularity=3600", "granularity=30"))).json()
    message = "must be between 60 and 86400"
    assert payload["details"] == [{"field": "granularity", "message": message}]


async def test_series_and_csv_name_their_own_fields(ads):
    unknown = await ads.get(SERIES_EXAMPLE.replace("/total_spend/", "/total_sales/"))
    assert unknown.status_code == 422
    assert unknown.json()["details"][0]["field"] == "metric_name"
    missing = await ads.get("/v1/metrics/total_spend/timeseries?data_type=meta_ads")
    assert missing.status_code == 422
    assert {d["field"] for d in missing.json()["details"]} == {"start_time", "end_time"}
    source = await ads.get(CSV_EXAMPLE.replace("meta_ads", "fax_ads"))
    assert source.status_code == 422 and source.json()["details"][0]["field"] == "data_type"


async def test_invalid_json_is_400(ads):
    response = await ads.post(
        "/v1/query/dashboard", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_JSON"


async def test_scopes_and_roles(ads):
    owner = ads.caller.principal
    ads.caller.principal = replace(owner, scopes=frozenset({"read:users"}))
    refused = await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)
    assert refused.status_code == 403 and refused.json()["error_code"] == "FORBIDDEN"
    assert (await ads.get(CSV_EXAMPLE)).status_code == 403
    for role in ("member", "viewer"):
        ads.caller.principal = replace(owner, role=role, scopes=ROLE_SCOPES[role])
        assert (await ads.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE)).status_code == 200
        clear = await ads.delete("/v1/cache/clear")
        assert clear.status_code == 403, role
        assert clear.json()["message"] == "This needs an admin role in the workspace"
    ads.caller.principal = replace(owner, role="viewer", scopes=ROLE_SCOPES["viewer"])
    upload = await ads.post("/v1/data/upload", json={"data_type": "meta_ads", "data": []})
    assert upload.status_code == 403
    ads.caller.principal = replace(owner, role="admin", scopes=ROLE_SCOPES["admin"])
    assert (await ads.delete("/v1/cache/clear")).status_code == 200
