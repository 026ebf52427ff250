"""Spec 002's proactive engine: create and list rules, and the engine's analytics."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.rest.coaching.params import READ, WRITE, Body, Name, Query, Text, declare, iso, rate
from gateway.rest.organic.params import IsoDate
from gateway.rest.routing import Call


class RuleBody(Body):
    name: Name
    description: Text | None = None
    trigger_conditions: dict[str, Any]
    actions: list[dict[str, Any]] = Field(min_length=1, max_length=20)
    is_active: bool = True


def _created(data: dict[str, Any], call: Call) -> Any:
    r = data["createProactiveRule"]
    return {
        "id": r["id"],
        "name": r["name"],
        "description": r["description"],
        "trigger_conditions": r["triggerConditions"],
        "actions": r["actions"],
        "is_active": r["isActive"],
        "created_at": iso(r["createdAt"]),
        "triggered_count": r["triggeredCount"],
    }


def _rules(data: dict[str, Any], call: Call) -> Any:
    return {
        "rules": [
            {
                "id": r["id"],
                "name": r["name"],
                "description": r["description"],
                "is_active": r["isActive"],
                "created_at": iso(r["createdAt"]),
                "triggered_count": r["triggeredCount"],
                "success_rate": rate(r["successRate"]),
            }
            for r in (e["node"] for e in data["proactiveRules"]["edges"])
        ]
    }


class DatesQuery(Query):
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None


def _analytics(data: dict[str, Any], call: Call) -> Any:
    a = data["proactiveAnalytics"]
    s = a["summary"]
    return {
        "date_range": {"start_date": a["startDate"], "end_date": a["endDate"]},
        "summary": {
            "total_triggers": s["totalTriggers"],
            "successful_engagements": s["successfulEngagements"],
            "success_rate": rate(s["successRate"]),
            "average_response_time_hours": rate(s["averageResponseTimeHours"]),
        },
        "rule_performance": [
            {
                "rule_id": r["ruleId"],
                "rule_name": r["ruleName"],
                "triggers": r["triggers"],
                "successes": r["successes"],
                "success_rate": rate(r["successRate"]),
            }
            for r in a["rules"]
        ],
    }


ROUTES = [
    declare(
        "POST",
        "/proactive-engine/rules",
        "Create a proactive rule",
        "Proactive engine",
        WRITE,
        "mutation($input: ProactiveRuleInput!) { createProactiveRule(input: $input) { id name "
        "description triggerConditions actions isActive createdAt triggeredCount } }",
        _created,
        body=RuleBody,
        variables=lambda call: {
            "input": {
                "name": call.body.name,
                "description": call.body.description,
                "triggerConditions": call.body.trigger_conditions,
                "actions": call.body.actions,
                "isActive": call.body.is_active,
            }
        },
        status_code=201,
    ),
    declare(
        "GET",
        "/proactive-engine/rules",
        "List proactive rules with their trigger counts and success rates",
        "Proactive engine",
        READ,
        "query { proactiveRules(first: 100) { edges { node { id name description isActive "
        "createdAt triggeredCount successRate } } } }",
        _rules,
    ),
    declare(
        "GET",
        "/proactive-engine/analytics",
        "Triggers and successes of the proactive rules over a date range",
        "Proactive engine",
        ("read:analytics",),
        "query($start: Date, $end: Date) { proactiveAnalytics(startDate: $start, endDate: $end) "
        "{ startDate endDate summary { totalTriggers successfulEngagements successRate "
        "averageResponseTimeHours } rules { ruleId ruleName triggers successes successRate } } }",
        _analytics,
        params=DatesQuery,
        variables=lambda call: {
            "start": call.params.start_date.isoformat() if call.params.start_date else None,
            "end": call.params.end_date.isoformat() if call.params.end_date else None,
        },
    ),
]
