"""Spec 002's channel management: list, create and update channels (their secrets are sealed
and never answered; the answer carries the generated webhook_url), and a channel's analytics."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.rest.coaching.params import (
    READ,
    WRITE,
    Body,
    Name,
    Query,
    declare,
    found,
    iso,
    path_id,
)
from gateway.rest.organic.params import IsoDate
from gateway.rest.routing import Call

_CHANNEL = (
    "id channelType channelName status configuration webhookUrl createdAt userCount lastActivityAt"
)


def listed(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": c["id"],
        "channel_type": c["channelType"],
        "channel_name": c["channelName"],
        "status": c["status"],
        "configuration": c["configuration"],
        "created_at": iso(c["createdAt"]),
        "user_count": c["userCount"],
        "last_activity_at": iso(c["lastActivityAt"]),
    }


def written(c: dict[str, Any]) -> dict[str, Any]:
    """A created or updated channel: its visible configuration and its webhook_url."""
    return {
        "id": c["id"],
        "channel_type": c["channelType"],
        "channel_name": c["channelName"],
        "status": c["status"],
        "configuration": {**c["configuration"], "webhook_url": c["webhookUrl"]},
        "created_at": iso(c["createdAt"]),
    }


class ChannelBody(Body):
    channel_type: Literal["web", "whatsapp", "telegram", "mobile"]
    channel_name: Name
    configuration: dict[str, Any] = Field(default_factory=dict)


class ChannelUpdateBody(Body):
    channel_name: Name | None = None
    configuration: dict[str, Any] | None = None


_METRICS = ("messages", "users", "engagement")


class AnalyticsQuery(Query):
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    metrics: str | None = Field(default=None, pattern=r"^\s*(messages|users|engagement)"
                                r"(\s*,\s*(messages|users|engagement))*\s*$")  # fmt: skip


# Which response keys each requested metric family shows (all by default).
_METRIC_KEYS = {
    "messages": ("total_messages", "average_response_time_seconds"),
    "users": ("unique_users", "new_users"),
    "engagement": ("user_satisfaction_score", "engagement_rate"),
}


def _analytics(data: dict[str, Any], call: Call) -> Any:
    a = found(data["channelAnalytics"], "Channel")
    figures = {
        "total_messages": a["totalMessages"],
        "unique_users": a["uniqueUsers"],
        "new_users": a["newUsers"],
        "average_response_time_seconds": a["averageResponseTimeSeconds"] or 0,
        "user_satisfaction_score": a["userSatisfactionScore"] or 0,
        "engagement_rate": a["engagementRate"] or 0,
    }
    wanted = [m.strip() for m in (call.params.metrics or ",".join(_METRICS)).split(",")]
    keys = {k for m in wanted for k in _METRIC_KEYS[m]}
    return {
        "channel_id": a["channelId"],
        "date_range": {"start_date": a["startDate"], "end_date": a["endDate"]},
        "metrics": {k: v for k, v in figures.items() if k in keys},
        "daily_breakdown": [
            {"date": d["date"], "messages": d["messages"], "users": d["users"],
             "new_users": d["newUsers"]}
            for d in a["daily"]
        ],
    }  # fmt: skip


def _dates(call: Call) -> dict[str, Any]:
    p = call.params
    return {
        "start": p.start_date.isoformat() if p.start_date else None,
        "end": p.end_date.isoformat() if p.end_date else None,
    }


ROUTES = [
    declare(
        "GET",
        "/channels",
        "List channels",
        "Channels",
        READ,
        f"query {{ channels(first: 100) {{ edges {{ node {{ {_CHANNEL} }} }} }} }}",
        lambda data, call: {"channels": [listed(e["node"]) for e in data["channels"]["edges"]]},
    ),
    declare(
        "POST",
        "/channels",
        "Create a channel (secrets sealed, never returned)",
        "Channels",
        WRITE,
        f"mutation($input: ChannelInput!) {{ createChannel(input: $input) {{ {_CHANNEL} }} }}",
        lambda data, call: written(data["createChannel"]),
        body=ChannelBody,
        variables=lambda call: {
            "input": {
                "channelType": call.body.channel_type.upper(),
                "channelName": call.body.channel_name,
                "configuration": call.body.configuration,
            }
        },
        status_code=201,
    ),
    declare(
        "PUT",
        "/channels/{channel_id}",
        "Update a channel's name and configuration",
        "Channels",
        WRITE,
        "mutation($id: ID!, $input: ChannelUpdate!) { updateChannel(id: $id, input: $input) "
        f"{{ {_CHANNEL} }} }}",
        lambda data, call: written(data["updateChannel"]),
        body=ChannelUpdateBody,
        variables=lambda call: {
            "id": path_id(call, "channel_id", "Channel"),
            "input": {
                "channelName": call.body.channel_name,
                "configuration": call.body.configuration,
            },
        },
    ),
    declare(
        "GET",
        "/channels/{channel_id}/analytics",
        "A channel's messages, users and engagement over a date range",
        "Channels",
        ("read:analytics",),
        "query($id: ID!, $start: Date, $end: Date) { channelAnalytics(channelId: $id, "
        "startDate: $start, endDate: $end) { channelId startDate endDate totalMessages "
        "uniqueUsers newUsers averageResponseTimeSeconds userSatisfactionScore engagementRate "
        "daily { date messages users newUsers } } }",
        _analytics,
        params=AnalyticsQuery,
        variables=lambda call: {"id": path_id(call, "channel_id", "Channel"), **_dates(call)},
    ),
]
