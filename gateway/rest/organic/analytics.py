"""Spec 003's analytics routes: channels, funnel, attribution, custom reports and exports."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from gateway.organic.exports import DATASETS, ESTIMATED_SECONDS
from gateway.rest.organic.formats import iso, money, number
from gateway.rest.organic.params import (
    DatesQuery,
    Granularity,
    IsoDate,
    Names,
    WorkspaceBody,
    dates,
    declare,
)
from gateway.rest.routing import RestError
from models.organic import AnalyticsExport

READ = ("read:analytics",)


class ChannelsQuery(DatesQuery):
    channels: Names | None = Field(default=None, alias="channels[]")
    metrics: Names | None = Field(default=None, alias="metrics[]")
    granularity: Granularity = "day"


def _channels(data: dict[str, Any], call: Any) -> Any:
    return {
        "channels": {
            c["channel"]: {
                "metrics": {k: number(k, v) for k, v in c["metrics"].items()},
                "series": [
                    {k: v if k == "date" else number(k, v) for k, v in point.items()}
                    for point in c["series"]
                ],
            }
            for c in data["channelPerformance"]
        }
    }


def _funnel(data: dict[str, Any], call: Any) -> Any:
    f = data["funnel"]
    steps = []
    for step in f["steps"]:
        shown = {"name": step["name"], "count": step["count"], "percentage": step["percentage"]}
        if step["dropoff"] is not None:
            shown["dropoff"] = step["dropoff"]
        steps.append(shown)
    return {"funnel": {"steps": steps, "overallConversion": f["overallConversion"]}}


class AttributionQuery(DatesQuery):
    model: Literal["first", "last", "linear", "time-decay"] = "linear"


def _attribution(data: dict[str, Any], call: Any) -> Any:
    a = data["attribution"]
    return {
        "attribution": {
            "model": a["model"],
            "channels": [
                {
                    "channel": c["channel"],
                    "touchpoints": c["touchpoints"],
                    "attributedRevenue": money(c["attributedRevenue"]),
                    "attributedConversions": money(c["attributedConversions"]),
                    "weight": money(c["weight"]),
                }
                for c in a["channels"]
            ],
            "totalRevenue": money(a["totalRevenue"]),
            "totalConversions": a["totalConversions"],
        }
    }


class DateSpan(BaseModel):
    start: IsoDate
    end: IsoDate


class ReportConfig(BaseModel):
    metrics: Names = Field(default_factory=lambda: ["revenue", "traffic"])
    dimensions: Names = Field(default_factory=lambda: ["channel"])
    filters: dict[str, Any] = Field(default_factory=dict)
    dateRange: DateSpan | None = None


class ReportSchedule(BaseModel):
    frequency: Literal["daily", "weekly", "monthly"]
    dayOfWeek: (
        Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] | None
    ) = None
    time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    recipients: list[str] = Field(default_factory=list, max_length=50)


class ReportBody(WorkspaceBody):
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(default="custom", pattern=r"^[a-z][a-z0-9_]{0,31}$")
    config: ReportConfig = Field(default_factory=ReportConfig)
    schedule: ReportSchedule | None = None


class ExportBody(WorkspaceBody):
    format: Literal["csv", "json", "xlsx"] = "csv"
    data: Literal[DATASETS] = "channel_performance"  # type: ignore[valid-type]
    dateRange: DateSpan
    reportId: str | None = Field(default=None, max_length=64)


def _export_status(data: dict[str, Any], call: Any) -> Any:
    export = data["analyticsExport"]
    if export is None:
        raise RestError(404, "", "Export not found")
    answer = {
        "exportId": export["id"],
        "status": export["status"].lower(),
        "downloadUrl": export["downloadUrl"],
        "expiresAt": iso(export["expiresAt"]),
    }
    if export["error"]:
        answer["error"] = export["error"]
    return answer


ROUTES = [
    declare(
        "GET",
        "/analytics/channels",
        "Channel performance",
        "Analytics",
        READ,
        "query($channels: [String!], $metrics: [String!], $startDate: Date, $endDate: Date, "
        "$granularity: String!) { channelPerformance(channels: $channels, metrics: $metrics, "
        "startDate: $startDate, endDate: $endDate, granularity: $granularity) "
        "{ channel metrics series } }",
        _channels,
        params=ChannelsQuery,
        variables=lambda call: {
            "channels": call.params.channels,
            "metrics": call.params.metrics,
            "granularity": call.params.granularity,
            **dates(call.params),
        },
    ),
    declare(
        "GET",
        "/analytics/funnel",
        "Funnel analysis",
        "Analytics",
        READ,
        "query($startDate: Date, $endDate: Date) { funnel(startDate: $startDate, endDate: "
        "$endDate) { overallConversion steps { name count percentage dropoff } } }",
        _funnel,
        params=DatesQuery,
        variables=lambda call: dates(call.params),
    ),
    declare(
        "GET",
        "/analytics/attribution",
        "Attribution report",
        "Analytics",
        READ,
        "query($model: String!, $startDate: Date, $endDate: Date) { attribution(model: $model, "
        "startDate: $startDate, endDate: $endDate) { model totalRevenue totalConversions "
        "channels { channel touchpoints attributedRevenue attributedConversions weight } } }",
        _attribution,
        params=AttributionQuery,
        variables=lambda call: {"model": call.params.model, **dates(call.params)},
    ),
    declare(
        "POST",
        "/analytics/reports",
        "Create custom report",
        "Analytics",
        (*READ, "write:data"),
        "mutation($input: CustomReportInput!) { createCustomReport(input: $input) "
        "{ id name createdAt } }",
        lambda data, call: {
            "report": {
                **data["createCustomReport"],
                "createdAt": iso(data["createCustomReport"]["createdAt"]),
            }
        },
        body=ReportBody,
        variables=lambda call: {
            "input": {
                "name": call.body.name,
                "type": call.body.type,
                "config": call.body.config.model_dump(mode="json", exclude_none=True),
                "schedule": call.body.schedule.model_dump(exclude_none=True)
                if call.body.schedule
                else None,
            }
        },
    ),
    declare(
        "POST",
        "/analytics/export",
        "Export analytics",
        "Analytics",
        READ,
        "mutation($input: ExportInput!) { exportAnalytics(input: $input) { id status } }",
        lambda data, call: {
            "exportId": data["exportAnalytics"]["id"],
            "status": "processing",
            "estimatedTime": ESTIMATED_SECONDS,
        },
        body=ExportBody,
        variables=lambda call: {
            "input": {
                "format": call.body.format,
                "data": call.body.data,
                "startDate": call.body.dateRange.start.isoformat(),
                "endDate": call.body.dateRange.end.isoformat(),
                "reportId": call.body.reportId,
            }
        },
    ),
    declare(
        "GET",
        "/analytics/export/{export_id}",
        "Export status",
        "Analytics",
        READ,
        "query($id: ID!) { analyticsExport(id: $id) { id status downloadUrl expiresAt error } }",
        _export_status,
        variables=lambda call: {"id": call.request.path_params["export_id"]},
        owner=(AnalyticsExport, "export_id"),
    ),
]
