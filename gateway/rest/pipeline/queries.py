"""POST /v1/query/dashboard and GET /v1/metrics/{metric_name}/timeseries: both are the
graph's `adQuery` (resolvers/ads_metrics.py), asked in spec 001's forms."""

from __future__ import annotations

from typing import Any

from gateway.rest.envelopes import Pipeline
from gateway.rest.pipeline import shapes
from gateway.rest.pipeline.params import (
    DashboardQuery,
    SeriesParams,
    dimensions_of,
    iso,
    started,
)
from gateway.rest.routing import Call, RestRoute
from models.analytics import ads_registry as reg

ANALYTICS = ("read:analytics",)

AD_QUERY = (
    "query($metrics: [AdMetricRequest!]!, $timeRange: AdTimeRange!, $granularity: Int!, "
    "$filters: JSON, $limit: Int!) { adQuery(metrics: $metrics, timeRange: $timeRange, "
    "granularity: $granularity, filters: $filters, limit: $limit) { series { name dataType "
    "dimensions timeline bucketCount } dataPoints cacheHit queryTimeSeconds } }"
)


def _dashboard_variables(call: Call) -> dict[str, Any]:
    started(call)
    query: DashboardQuery = call.body
    return {
        "metrics": [
            {
                "name": m.name,
                "dataType": m.data_type,
                "dimensions": m.dimensions,
                "aggregationType": m.aggregation_type,
            }
            for m in query.metrics
        ],
        "timeRange": {"start": iso(query.time_range.start), "end": iso(query.time_range.end)},
        "granularity": query.granularity,
        "filters": query.filters,
        "limit": query.limit,
    }


def _series_variables(call: Call) -> dict[str, Any]:
    started(call)
    params: SeriesParams = call.params
    metric = {
        "name": call.request.path_params["metric_name"],
        "dataType": params.data_type,
        "dimensions": dimensions_of(call),
        "aggregationType": params.aggregation_type,
    }
    return {
        "metrics": [metric],
        "timeRange": {"start": iso(params.start_time), "end": iso(params.end_time)},
        "granularity": params.granularity,
        "filters": None,
        "limit": reg.MAX_LIMIT,
    }


ROUTES = [
    RestRoute(
        method="POST",
        path="/v1/query/dashboard",
        summary="Aggregated metrics for a dashboard, in time buckets, split by dimensions",
        tag="Queries",
        envelope=Pipeline,
        scopes=ANALYTICS,
        body=DashboardQuery,
        operation=AD_QUERY,
        variables=_dashboard_variables,
        respond=shapes.dashboard,
        refine_error=shapes.renamed(shapes.snake),
    ),
    RestRoute(
        method="GET",
        path="/v1/metrics/{metric_name}/timeseries",
        summary="One metric of one source as a time series",
        tag="Queries",
        envelope=Pipeline,
        scopes=ANALYTICS,
        params=SeriesParams,
        operation=AD_QUERY,
        variables=_series_variables,
        respond=shapes.timeseries,
        refine_error=shapes.renamed(shapes.series_field),
    ),
]
