"""Spec 004's dashboard (metrics, agents) and analytics (overview, trends, platforms) over
the graph's socialOverview, socialPlatformStats, socialTrends and aiAgents. A period is
`timeRange` days ending today, compared with the days before it (docs/metrics.md)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any, Literal

from pydantic import field_validator

from gateway.rest.social.params import Query, declare, iso, number
from gateway.rest.timestamps import iso_seconds

ANALYTICS = ("read:analytics",)
RANGES = {"7d": "DAYS_7", "30d": "DAYS_30", "90d": "DAYS_90", "1y": "YEAR_1"}
PLATFORMS = ("instagram", "facebook", "linkedin", "twitter", "tiktok", "youtube")
NAMES = {
    "instagram": "Instagram",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "twitter": "Twitter",
    "tiktok": "TikTok",
    "youtube": "YouTube",
}
_TOTALS = (
    "reach engagement followers followersGained posts revenue engagementRate "
    "clickThroughRate conversionRate costPerClick"
)


class PeriodQuery(Query):
    timeRange: Literal["7d", "30d", "90d", "1y"] = "30d"
    platforms: list[str] | None = None

    @field_validator("platforms", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        for platform in value or []:
            if platform not in PLATFORMS:
                raise ValueError(f"unknown platform '{platform}' (one of {', '.join(PLATFORMS)})")
        return value or None


class TrendsQuery(Query):
    timeRange: Literal["7d", "30d", "90d", "1y"] = "30d"
    metric: Literal["reach", "engagement", "followers", "all"] = "all"


def _period(call: Any) -> dict[str, Any]:
    platforms = getattr(call.params, "platforms", None)
    return {
        "range": RANGES[call.params.timeRange],
        "platforms": [p.upper() for p in platforms] if platforms else None,
    }


def change(current: float | None, previous: float | None) -> float:
    """Percent change from the previous period, 1 decimal; 0 when there was nothing before."""
    if not previous:
        return 0.0
    return round(((current or 0) - previous) * 100 / previous, 1)


def trend(current: float | None, previous: float | None) -> str:
    current, previous = current or 0, previous or 0
    return "up" if current > previous else "down" if current < previous else "stable"


def _compared(current: Any, previous: Any) -> dict[str, Any]:
    current, previous = number(current) or 0, number(previous) or 0
    return {
        "current": current,
        "previous": previous,
        "change": change(current, previous),
        "trend": trend(current, previous),
    }


_OVERVIEW = {
    "engagementRate": "engagementRate",
    "totalReach": "reach",
    "followersGrowth": "followersGained",
    "postsPublished": "posts",
    "revenue": "revenue",
    "conversionRate": "conversionRate",
    "clickThroughRate": "clickThroughRate",
    "costPerClick": "costPerClick",
}


def _metrics(data: dict[str, Any], call: Any) -> Any:
    now, before = data["socialOverview"]["current"], data["socialOverview"]["previous"]
    campaigns = data["adCampaignSummary"]
    return {
        "overview": {name: _compared(now[key], before[key]) for name, key in _OVERVIEW.items()},
        "campaigns": {
            "active": campaigns["active"],
            "pending": campaigns["pending"],
            "completed": campaigns["completed"],
            "totalBudget": number(campaigns["totalBudget"]),
            "spent": number(campaigns["totalSpent"]),
        },
        "platforms": [
            {
                "platform": p["platform"],
                "reach": p["current"]["reach"],
                "engagement": p["current"]["engagement"],
                "followers": p["current"]["followers"],
                "posts": p["current"]["posts"],
                "revenue": number(p["current"]["revenue"]),
            }
            for p in data["socialPlatformStats"]
        ],
        "updatedAt": iso_seconds(),
    }


_AGENT = (
    "id name efficiency status currentTask tasksCompleted tasksInProgress averageTime "
    "successRate nextAction priority lastUpdate"
)


def _whole(value: float | None) -> float | int | None:
    """Spec 004 writes an efficiency of 94.0 as `94`, as its JavaScript service did (and as
    its agent_update events still do): a whole value is an integer."""
    return int(value) if value is not None and float(value).is_integer() else value


def _agents(data: dict[str, Any], call: Any) -> Any:
    summary = data["aiAgentSummary"]
    agents = [
        {**a, "efficiency": _whole(a["efficiency"]), "lastUpdate": iso(a["lastUpdate"])}
        for a in data["aiAgents"]
    ]
    return {
        "agents": agents,
        "overallEfficiency": summary["overallEfficiency"],
        "totalTasksCompleted": summary["totalTasksCompleted"],
        "totalTasksInProgress": summary["totalTasksInProgress"],
        "systemStatus": summary["systemStatus"],
        "lastUpdate": iso(summary["lastUpdate"]) or iso_seconds(),
    }


def _valued(current: Any, previous: Any) -> dict[str, Any]:
    current, previous = number(current) or 0, number(previous) or 0
    return {
        "value": current,
        "change": change(current, previous),
        "trend": trend(current, previous),
    }


def _overview(data: dict[str, Any], call: Any) -> Any:
    now, before = data["socialOverview"]["current"], data["socialOverview"]["previous"]
    return {
        "overview": {
            "totalReach": _valued(now["reach"], before["reach"]),
            "totalEngagement": _valued(now["engagement"], before["engagement"]),
            "totalFollowers": _valued(now["followers"], before["followers"]),
            "engagementRate": _valued(now["engagementRate"], before["engagementRate"]),
        },
        "timeRange": call.params.timeRange,
        "updatedAt": iso_seconds(),
    }


def _trends(data: dict[str, Any], call: Any) -> Any:
    days = data["socialTrends"]
    metric = call.params.metric
    shown = ("reach", "engagement", "followers") if metric == "all" else (metric,)
    growth = [
        (day["followers"] - before["followers"]) * 100 / before["followers"]
        for before, day in pairwise(days)
        if before["followers"]
    ]
    best = max(days, key=lambda d: (d["engagement"], d["date"]), default=None)
    return {
        "trends": [
            {"date": d["date"], **{k: d[k] for k in shown}, "posts": d["posts"]} for d in days
        ],
        "summary": {
            "totalReach": sum(d["reach"] for d in days),
            "totalEngagement": sum(d["engagement"] for d in days),
            "avgDailyGrowth": round(sum(growth) / len(growth), 1) if growth else 0.0,
            "bestPerformingDay": best["date"] if best else None,
        },
    }


def _platforms(data: dict[str, Any], call: Any) -> Any:
    answer = []
    for p in data["socialPlatformStats"]:
        now, before = p["current"], p["previous"]
        answer.append(
            {
                "platform": p["platform"],
                "name": NAMES[p["platform"]],
                "posts": now["posts"],
                "reach": now["reach"],
                "engagement": now["engagement"],
                "followers": now["followers"],
                "engagementRate": now["engagementRate"] or 0,
                "topContentType": p["topContentType"],
                "bestPostingTime": p["bestPostingTime"],
                "growth": {
                    key: change(now[key], before[key])
                    for key in ("reach", "engagement", "followers")
                },
            }
        )
    return {"platforms": answer}


_PERIOD_VARS = "$range: SocialRange!, $platforms: [SocialPlatform!]"
_PERIOD_ARGS = "range: $range, platforms: $platforms"

ROUTES = [
    declare(
        "GET",
        "/dashboard/metrics",
        "Dashboard performance metrics",
        "Dashboard",
        ANALYTICS,
        f"query({_PERIOD_VARS}) {{ socialOverview({_PERIOD_ARGS}) {{ current {{ {_TOTALS} }} "
        f"previous {{ {_TOTALS} }} }} socialPlatformStats({_PERIOD_ARGS}) {{ platform "
        "current { reach engagement followers posts revenue } } "
        "adCampaignSummary { active pending completed totalBudget totalSpent } }",
        _metrics,
        params=PeriodQuery,
        variables=_period,
    ),
    declare(
        "GET",
        "/dashboard/agents",
        "AI agent status and activity",
        "Dashboard",
        ("read:content",),
        f"query {{ aiAgents {{ {_AGENT} }} aiAgentSummary {{ overallEfficiency "
        "totalTasksCompleted totalTasksInProgress systemStatus lastUpdate } }",
        _agents,
    ),
    declare(
        "GET",
        "/analytics/overview",
        "Analytics overview",
        "Analytics",
        ANALYTICS,
        f"query({_PERIOD_VARS}) {{ socialOverview({_PERIOD_ARGS}) {{ "
        "current { reach engagement followers engagementRate } "
        "previous { reach engagement followers engagementRate } } }",
        _overview,
        params=PeriodQuery,
        variables=_period,
    ),
    declare(
        "GET",
        "/analytics/trends",
        "Performance trends",
        "Analytics",
        ANALYTICS,
        "query($range: SocialRange!) { socialTrends(range: $range) { "
        "date reach engagement followers posts } }",
        _trends,
        params=TrendsQuery,
        variables=_period,
    ),
    declare(
        "GET",
        "/analytics/platforms",
        "Platform analytics",
        "Analytics",
        ANALYTICS,
        f"query({_PERIOD_VARS}) {{ socialPlatformStats({_PERIOD_ARGS}) {{ platform "
        f"current {{ {_TOTALS} }} previous {{ {_TOTALS} }} topContentType bestPostingTime }} }}",
        _platforms,
        params=PeriodQuery,
        variables=_period,
    ),
]
