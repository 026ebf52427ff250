"""Spec 001's response bodies, exactly as documented, from the graph's answers; and the
graph's field names in error details spelled as each route's own fields."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from starlette.responses import Response

from gateway.query_stats import ENGINE
from gateway.rest.envelopes import FastJSONResponse, Pipeline, iso_seconds
from gateway.rest.pipeline.params import elapsed
from gateway.rest.routing import Call, RestError


def _encoded(data: Any) -> tuple[orjson.Fragment, float]:
    """The body encoded once, and its size in MB (spec 001's `memory_usage`): the envelope
    embeds the bytes as they are instead of encoding a large answer a second time."""
    encoded = orjson.dumps(data)
    return orjson.Fragment(encoded), round(len(encoded) / 1_000_000, 3)


def dashboard(data: dict[str, Any], call: Call) -> Response:
    answer = data["adQuery"]
    body, megabytes = _encoded({s["name"]: s["timeline"] for s in answer["series"]})
    return Pipeline.ok(
        body,
        "Dashboard data retrieved successfully",
        query_time=answer["queryTimeSeconds"],
        cache_hit_rate=round(ENGINE.cache_hit_rate, 3),
        data_points=answer["dataPoints"],
        memory_usage=megabytes,
        cache_hit=answer["cacheHit"],
        total_query_time=round(elapsed(call), 3),
    )


def timeseries(data: dict[str, Any], call: Call) -> Response:
    answer = data["adQuery"]
    (series,) = answer["series"]
    body, megabytes = _encoded(
        {
            "metric_name": series["name"],
            "data_type": series["dataType"],
            "time_series": series["timeline"],
            "granularity": call.params.granularity,
            "dimensions": series["dimensions"],
        }
    )
    return Pipeline.ok(
        body,
        f"Time series data for {series['name']} retrieved successfully",
        query_time=answer["queryTimeSeconds"],
        cache_hit_rate=round(ENGINE.cache_hit_rate, 3),
        data_points=series["bucketCount"],
        memory_usage=megabytes,
        cache_hit=answer["cacheHit"],
    )


def health(data: dict[str, Any], call: Call) -> Response:
    """Spec 001's health body has no envelope; 503 when the database does not answer."""
    h = data["pipelineHealth"]
    a = h["aggregation"]
    body = {
        "api": h["api"],
        "aggregator": h["aggregator"],
        "redis": h["redis"],
        "timestamp": iso_seconds(),
        "aggregator_stats": {
            "queries_processed": a["queriesProcessed"],
            "avg_latency": round(a["avgLatency"], 3),
            "cache_hit_rate": round(a["cacheHitRate"], 3),
        },
    }
    return FastJSONResponse(body, status_code=200 if h["aggregator"] == "healthy" else 503)


def performance(data: dict[str, Any], call: Call) -> Response:
    s = data["adEngineStats"]
    a, c, m, r = s["aggregation"], s["cache"], s["memory"], s["redis"]
    body = {
        "aggregation_engine": {
            "aggregation_stats": {
                "queries_processed": a["queriesProcessed"],
                "avg_latency": round(a["avgLatency"], 3),
                "cache_hit_rate": round(a["cacheHitRate"], 3),
            },
            "cache_stats": {
                "hits": c["hits"],
                "misses": c["misses"],
                "sets": c["sets"],
                "hit_rate": round(c["hitRate"], 3),
                "local_cache_size": c["localCacheSize"],
            },
            "memory_usage": {"percent": m["percent"], "available_gb": m["availableGb"]},
            "active_computations": s["activeComputations"],
        },
        "redis_cache": None
        if r is None
        else {
            "connected_clients": r["connectedClients"],
            "used_memory_human": r["usedMemoryHuman"],
            "keyspace_hits": r["keyspaceHits"],
            "keyspace_misses": r["keyspaceMisses"],
            "hit_rate": round(r["hitRate"], 3),
        },
        "api_metrics": {"uptime": s["uptimeSeconds"], "version": s["version"]},
    }
    return Pipeline.plain(body, "Performance statistics retrieved successfully")


def cache_cleared(data: dict[str, Any], call: Call) -> Response:
    cleared = data["clearAnalyticsCache"]
    body = {
        "redis_keys_cleared": cleared["keysCleared"],
        "pattern": cleared["pattern"],
        "status": "cache_cleared",
    }
    return Pipeline.plain(body, f"Cache cleared for pattern: {cleared['pattern']}")


def upload(data: dict[str, Any], call: Call) -> Response:
    result = data["uploadData"]
    duplicate = result["duplicate"]
    size = int(call.request.headers.get("content-length") or 0)
    return Pipeline.ok(
        {
            "batch_id": result["batchId"],
            "records_received": result["recordsReceived"],
            "data_type": result["dataType"],
            "status": "duplicate_ignored" if duplicate else "processed",
        },
        "Batch already received; nothing stored twice"
        if duplicate
        else "Data uploaded and processed",
        query_time=elapsed(call),
        data_points=result["recordsReceived"],
        memory_usage=round(size / 1_000_000, 3),
    )


# Errors: the graph names its arguments (metrics[0].aggregationType, timeRange.end); each
# route names the fields its clients sent.
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake(field: str) -> str:
    return _CAMEL.sub(lambda m: "_" + m.group(1).lower(), field)


_SERIES_FIELDS = {
    "metrics[0].name": "metric_name",
    "metrics[0].dataType": "data_type",
    "metrics[0].dimensions": "dimensions",
    "metrics[0].aggregationType": "aggregation_type",
    "timeRange.start": "start_time",
    "timeRange.end": "end_time",
}


def series_field(field: str) -> str:
    return _SERIES_FIELDS.get(field, snake(field))


def renamed(rename: Callable[[str], str]) -> Callable[[RestError], RestError]:
    def refine(error: RestError) -> RestError:
        details = error.details
        if isinstance(details, dict) and "field" in details:
            details = {**details, "field": rename(details["field"])}
        elif isinstance(details, list):
            details = [
                {**d, "field": rename(d["field"])} if isinstance(d, dict) and "field" in d else d
                for d in details
            ]
        return RestError(error.status, error.code, error.message, details)

    return refine
