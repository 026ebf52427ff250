"""Spec 002's analytics and reporting: the dashboard overview and detailed series."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.rest.coaching.params import Body, Query, declare, iso, rate
from gateway.rest.organic.params import IsoDate
from gateway.rest.routing import Call

READ = ("read:analytics",)


class OverviewQuery(Query):
    period: Literal["7d", "30d", "90d", "1y"] = "30d"


def _overview(data: dict[str, Any], call: Call) -> Any:
    o = data["coachingOverview"]
    s, t = o["summary"], o["trends"]
    return {
        "period": o["period"],
        "summary": {
            "total_users": s["totalUsers"],
            "new_users": s["newUsers"],
            "active_users": s["activeUsers"],
            "total_interactions": s["totalInteractions"],
            "ai_interactions": s["aiInteractions"],
            "human_escalations": s["humanEscalations"],
            "average_engagement_score": rate(s["averageEngagementScore"]),
            "program_completions": s["programCompletions"],
        },
        "trends": {
            "user_growth_rate": rate(t["userGrowthRate"]),
            "engagement_trend": t["engagementTrend"],
            "satisfaction_trend": t["satisfactionTrend"],
        },
        "top_programs": [
            {
                "program_id": p["programId"],
                "program_name": p["programName"],
                "enrollments": p["enrollments"],
                "completion_rate": rate(p["completionRate"]),
            }
            for p in o["topPrograms"]
        ],
    }


class DetailedQuery(Query):
    metric: Literal["users", "interactions", "programs", "channels"] = "interactions"
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    granularity: Literal["day", "week", "month"] = "day"
    segment: Literal["channel", "program", "user_type"] = "channel"


def _detailed(data: dict[str, Any], call: Call) -> Any:
    d = data["coachingDetailed"]
    totals = d["totals"]
    return {
        "metric": d["metric"],
        "date_range": {"start_date": d["startDate"], "end_date": d["endDate"]},
        "granularity": d["granularity"],
        "data": [
            {"date": p["date"], "value": p["value"], "segments": p["segments"]} for p in d["data"]
        ],
        "totals": {
            "total_value": totals["totalValue"],
            "average_daily": totals["averageDaily"],
            "peak_value": totals["peakValue"],
            "peak_date": totals["peakDate"],
        },
    }


def _detailed_variables(call: Call) -> dict[str, Any]:
    p: DetailedQuery = call.params
    return {
        "metric": p.metric.upper(),
        "start": p.start_date.isoformat() if p.start_date else None,
        "end": p.end_date.isoformat() if p.end_date else None,
        "granularity": p.granularity.upper(),
        "segment": p.segment.upper(),
    }


ROUTES = [
    declare(
        "GET",
        "/analytics/overview",
        "The dashboard overview over a period (7d, 30d, 90d, 1y)",
        "Analytics",
        READ,
        "query($period: String!) { coachingOverview(period: $period) { period summary { "
        "totalUsers newUsers activeUsers totalInteractions aiInteractions humanEscalations "
        "averageEngagementScore programCompletions } trends { userGrowthRate engagementTrend "
        "satisfactionTrend } topPrograms { programId programName enrollments completionRate } } }",
        _overview,
        params=OverviewQuery,
        variables=lambda call: {"period": call.params.period},
    ),
    declare(
        "GET",
        "/analytics/detailed",
        "One metric over time by day, week or month, split by a segment",
        "Analytics",
        READ,
        "query($metric: DetailedMetric!, $start: Date, $end: Date, $granularity: "
        "CoachingGranularity!, $segment: CoachingSegment!) { coachingDetailed(metric: $metric, "
        "startDate: $start, endDate: $end, granularity: $granularity, segment: $segment) { "
        "metric startDate endDate granularity data { date value segments } totals { totalValue "
        "averageDaily peakValue peakDate } } }",
        _detailed,
        params=DetailedQuery,
        variables=_detailed_variables,
    ),
]


class ExportBody(Body):
    metrics: list[Literal["users", "interactions", "programs"]] = Field(min_length=1, max_length=3)
    start_date: IsoDate
    end_date: IsoDate
    format: Literal["csv", "json"] = "csv"
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _exported(data: dict[str, Any], call: Call) -> Any:
    e = data["requestCoachingExport"]
    return {
        "export_id": e["id"],
        "status": e["status"],
        "estimated_completion": iso(e["estimatedCompletion"]),
    }


ROUTES.append(
    declare(
        "POST",
        "/analytics/export",
        "Export analytics as CSV or JSON (made by a job; 10 a day)",
        "Analytics",
        READ,
        "mutation($input: CoachingExportInput!) { requestCoachingExport(input: $input) { "
        "id status estimatedCompletion } }",
        _exported,
        body=ExportBody,
        variables=lambda call: {
            "input": {
                "metrics": call.body.metrics,
                "startDate": call.body.start_date.isoformat(),
                "endDate": call.body.end_date.isoformat(),
                "format": call.body.format,
                "email": call.body.email,
            }
        },
        status_code=202,
    )
)
