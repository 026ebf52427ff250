"""Spec 003's webhook routes: POST and GET /api/webhooks, DELETE /api/webhooks/{id}.

Registration checks the URL with the SSRF guard (again at every send, subscriptions/
webhooks/). Any event type of docs/events.md may be registered for.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.rest.organic.formats import iso
from gateway.rest.organic.params import WorkspaceBody, WorkspaceQuery, declare
from models.system import Webhook

SCOPES = ("write:webhooks",)


class RegisterBody(WorkspaceBody):
    url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(min_length=1, max_length=50)
    secret: str | None = Field(default=None, min_length=8, max_length=256)


def _registered(data: dict[str, Any], call: Any) -> Any:
    w = data["createWebhook"]
    return {
        "webhook": {
            "id": w["id"],
            "url": w["url"],
            "events": w["events"],
            "status": w["status"],
            "createdAt": iso(w["createdAt"]),
        }
    }


def _listed(data: dict[str, Any], call: Any) -> Any:
    return {
        "webhooks": [
            {
                "id": w["id"],
                "url": w["url"],
                "events": w["events"],
                "status": w["status"],
                "lastTriggered": iso(w["lastTriggeredAt"]),
                "failureCount": w["failureCount"],
            }
            for w in data["workspaceWebhooks"]
        ]
    }


ROUTES = [
    declare(
        "POST",
        "/webhooks",
        "Register webhook",
        "Webhooks",
        SCOPES,
        "mutation($url: String!, $events: [String!]!, $secret: String) { createWebhook(url: "
        "$url, events: $events, secret: $secret) { id url events status createdAt } }",
        _registered,
        body=RegisterBody,
        variables=lambda call: {
            "url": call.body.url,
            "events": call.body.events,
            "secret": call.body.secret,
        },
    ),
    declare(
        "GET",
        "/webhooks",
        "List webhooks",
        "Webhooks",
        SCOPES,
        "{ workspaceWebhooks { id url events status lastTriggeredAt failureCount } }",
        _listed,
        params=WorkspaceQuery,
    ),
    declare(
        "DELETE",
        "/webhooks/{webhook_id}",
        "Delete webhook",
        "Webhooks",
        SCOPES,
        "mutation($id: ID!) { deleteWebhook(id: $id) }",
        lambda data, call: {"message": "Webhook deleted successfully"},
        variables=lambda call: {"id": call.request.path_params["webhook_id"]},
        owner=(Webhook, "webhook_id"),
    ),
]
