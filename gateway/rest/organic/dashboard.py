"""Spec 003's dashboard routes: overview, metrics and the activity feed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.rest.organic.formats import iso, number
from gateway.rest.organic.params import (
    DatesQuery,
    Granularity,
    Limit,
    Names,
    Offset,
    WorkspaceQuery,
    dates,
    declare,
)

ANALYTICS, CONTENT = ("read:analytics",), ("read:content",)


class OverviewQuery(WorkspaceQuery):
    dateRange: Literal["today", "week", "month", "quarter", "year"] = "month"


def _overview(data: dict[str, Any], call: Any) -> Any:
    o = data["organicOverview"]
    metrics = {name: {**m, "value": number(name, m["value"])} for name, m in o["metrics"].items()}
    return {
        "metrics": metrics,
        "channels": [
            {
                "name": c["name"],
                "revenue": c["revenue"],
                "traffic": c["traffic"],
                "percentage": c["percentage"],
            }
            for c in o["channels"]
        ],
        "systemHealth": o["systemHealth"],
        "recentActivity": [
            {
                "id": a["id"],
                "type": a["type"],
                "title": a["title"],
                "timestamp": iso(a["occurredAt"]),
            }
            for a in o["recentActivity"]
        ],
    }


class MetricsQuery(DatesQuery):
    metrics: Names | None = Field(default=None, alias="metrics[]")
    granularity: Granularity = "day"


def _metrics(data: dict[str, Any], call: Any) -> Any:
    return {
        "metrics": {
            m["name"]: {
                "total": number(m["name"], m["total"]),
                "series": [
                    {"date": p["date"], "value": number(m["name"], p["value"])} for p in m["series"]
                ],
            }
            for m in data["organicMetrics"]
        }
    }


class ActivityQuery(WorkspaceQuery):
    limit: Limit = 20
    offset: Offset = 0
    types: Names | None = Field(default=None, alias="types[]")


def _activity(data: dict[str, Any], call: Any) -> Any:
    page = data["activityFeed"]
    return {
        "activities": [
            {
                "id": a["id"],
                "type": a["type"],
                "title": a["title"],
                "description": a["description"],
                "user": a["actor"],
                "metadata": a["metadata"],
                "timestamp": iso(a["occurredAt"]),
            }
            for a in page["items"]
        ],
        "pagination": {
            "total": page["total"],
            "limit": page["limit"],
            "offset": page["offset"],
            "hasMore": page["hasMore"],
        },
    }


ROUTES = [
    declare(
        "GET",
        "/dashboard/overview",
        "Dashboard overview",
        "Dashboard",
        ANALYTICS,
        "query($range: DateRange!) { organicOverview(dateRange: $range) { "
        "metrics { revenue { value change trend } traffic { value change trend } "
        "leads { value change trend } conversion { value change trend } } "
        "channels { name revenue traffic percentage } systemHealth { status services } "
        "recentActivity { id type title occurredAt } } }",
        _overview,
        params=OverviewQuery,
        variables=lambda call: {"range": call.params.dateRange.upper()},
    ),
    declare(
        "GET",
        "/dashboard/metrics",
        "Dashboard metrics",
        "Dashboard",
        ANALYTICS,
        "query($metrics: [String!], $startDate: Date, $endDate: Date, $granularity: String!) "
        "{ organicMetrics(metrics: $metrics, startDate: $startDate, endDate: $endDate, "
        "granularity: $granularity) { name total series { date value } } }",
        _metrics,
        params=MetricsQuery,
        variables=lambda call: {
            "metrics": call.params.metrics,
            "granularity": call.params.granularity,
            **dates(call.params),
        },
    ),
    declare(
        "GET",
        "/dashboard/activity",
        "Activity feed",
        "Dashboard",
        CONTENT,
        "query($limit: Int!, $offset: Int!, $types: [String!]) { activityFeed(limit: $limit, "
        "offset: $offset, types: $types) { total limit offset hasMore items { id type title "
        "description metadata occurredAt actor { id name avatarUrl } } } }",
        _activity,
        params=ActivityQuery,
        variables=lambda call: {
            "limit": call.params.limit,
            "offset": call.params.offset,
            "types": call.params.types,
        },
    ),
]
