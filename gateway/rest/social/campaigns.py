"""Spec 004's campaigns: list (status, platform, page numbers, summary) and create (201,
pending review). Money is the graph's Decimal text, answered as JSON numbers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from gateway.rest.social.params import (
    Body,
    MediaItem,
    Page,
    Platform,
    Query,
    declare,
    iso,
    number,
)

READ, WRITE = ("read:campaigns",), ("write:campaigns",)

_BUDGET = "budget { total daily spent remaining }"


class ListQuery(Query):
    status: Literal["active", "paused", "completed", "all"] = "all"
    platform: Platform | None = None
    page: Page = 1
    limit: int = Field(default=20, ge=1, le=100)


def _budget(budget: dict[str, Any]) -> dict[str, Any]:
    return {key: number(budget[key]) for key in ("total", "daily", "spent", "remaining")}


def _listed(c: dict[str, Any]) -> dict[str, Any]:
    p, t = c["performance"], c["targeting"]
    return {
        "id": c["id"],
        "name": c["name"],
        "platform": c["platform"],
        "type": c["type"],
        "status": c["status"],
        "budget": _budget(c["budget"]),
        "performance": {
            "impressions": p["impressions"],
            "clicks": p["clicks"],
            "conversions": p["conversions"],
            "ctr": p["ctr"] or 0,
            "cpc": number(p["cpc"]) or 0,
            "cpa": number(p["cpa"]) or 0,
            "roas": p["roas"] or 0,
        },
        "targeting": {
            "ageRange": t["ageRange"],
            "interests": t["interests"] or [],
            "locations": t["locations"] or [],
        },
        "schedule": {"startDate": iso(c["startAt"]), "endDate": iso(c["endAt"])},
        "createdAt": iso(c["createdAt"]),
        "updatedAt": iso(c["updatedAt"]),
    }


def _list(data: dict[str, Any], call: Any) -> Any:
    s = data["adCampaignSummary"]
    return {
        "campaigns": [_listed(c) for c in data["adCampaignList"]["items"]],
        "summary": {
            "totalCampaigns": s["totalCampaigns"],
            "active": s["active"],
            "paused": s["paused"],
            "completed": s["completed"],
            "totalBudget": number(s["totalBudget"]),
            "totalSpent": number(s["totalSpent"]),
            "avgROAS": s["avgRoas"] or 0,
        },
    }


class BudgetBody(Body):
    total: float = Field(ge=0, le=1_000_000_000)
    daily: float | None = Field(default=None, ge=0, le=1_000_000_000)

    @model_validator(mode="after")
    def _daily_within_total(self) -> BudgetBody:
        if self.daily is not None and self.daily > self.total:
            raise ValueError("budget.daily must not exceed budget.total")
        return self


class TargetingBody(Body):
    ageRange: str | None = Field(default=None, pattern=r"^\d{1,3}-\d{1,3}\+?$|^\d{1,3}\+$")
    interests: list[str] = Field(default_factory=list, max_length=100)
    locations: list[str] = Field(default_factory=list, max_length=100)


class ScheduleBody(Body):
    startDate: AwareDatetime | None = None
    endDate: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleBody:
        if self.startDate and self.endDate and self.endDate <= self.startDate:
            raise ValueError("schedule.endDate must be after schedule.startDate")
        return self


class CreativeBody(Body):
    headline: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=5000)
    media: list[MediaItem] = Field(default_factory=list, max_length=20)


class CreateBody(Body):
    name: str = Field(min_length=1, max_length=200)
    platform: Platform
    type: Literal["awareness", "conversion", "traffic", "engagement"]
    budget: BudgetBody
    targeting: TargetingBody = Field(default_factory=TargetingBody)
    schedule: ScheduleBody = Field(default_factory=ScheduleBody)
    creative: CreativeBody = Field(default_factory=CreativeBody)


def _input(body: CreateBody) -> dict[str, Any]:
    return {
        "name": body.name,
        "platform": body.platform.upper(),
        "type": body.type.upper(),
        "budgetTotal": str(body.budget.total),
        "budgetDaily": str(body.budget.daily) if body.budget.daily is not None else None,
        "targeting": {
            "ageRange": body.targeting.ageRange,
            "interests": body.targeting.interests,
            "locations": body.targeting.locations,
        },
        "startAt": body.schedule.startDate.isoformat() if body.schedule.startDate else None,
        "endAt": body.schedule.endDate.isoformat() if body.schedule.endDate else None,
        "creative": {
            "headline": body.creative.headline,
            "description": body.creative.description,
            "media": [item.model_dump() for item in body.creative.media],
        },
    }


def _created(data: dict[str, Any], call: Any) -> Any:
    c = data["createCampaign"]
    return {
        "id": c["id"],
        "name": c["name"],
        "platform": c["platform"],
        "type": c["type"],
        "status": c["status"],
        "budget": _budget(c["budget"]),
        "createdAt": iso(c["createdAt"]),
    }


ROUTES = [
    declare(
        "GET",
        "/campaigns",
        "List campaigns",
        "Campaigns",
        READ,
        "query($limit: Int!, $offset: Int!, $status: AdCampaignStatus, $platform: "
        "SocialPlatform) { adCampaignList(limit: $limit, offset: $offset, status: $status, "
        f"platform: $platform) {{ total items {{ id name platform type status {_BUDGET} "
        "performance { impressions clicks conversions ctr cpc cpa roas } "
        "targeting { ageRange interests locations } startAt endAt createdAt updatedAt } } "
        "adCampaignSummary(platform: $platform) { totalCampaigns active paused completed "
        "totalBudget totalSpent avgRoas } }",
        _list,
        params=ListQuery,
        variables=lambda call: {
            "limit": call.params.limit,
            "offset": (call.params.page - 1) * call.params.limit,
            "status": call.params.status.upper() if call.params.status != "all" else None,
            "platform": call.params.platform.upper() if call.params.platform else None,
        },
    ),
    declare(
        "POST",
        "/campaigns",
        "Create a campaign",
        "Campaigns",
        WRITE,
        "mutation($input: AdCampaignInput!) { createCampaign(input: $input) { "
        f"id name platform type status {_BUDGET} createdAt }} }}",
        _created,
        body=CreateBody,
        status_code=201,
        variables=lambda call: {"input": _input(call.body)},
    ),
]
