"""Webhook registration (spec 000 11.1). Delivery belongs to the live-updates work."""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlsplit

import strawberry

from gateway.database import transaction
from models.base import new_id
from models.system import Webhook
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.permissions import HasScope

MARKETING_EVENTS = (
    "user.registered",
    "user.converted",
    "subscription.created",
    "subscription.cancelled",
    "character.created",
    "milestone.reached",
)


@strawberry.type
class RegisteredWebhook:
    id: str
    url: str
    events: list[str]
    status: str
    created_at: datetime


def _check(url: str, events: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise BadUserInput("url must be an http(s) URL", field="url")
    unknown = sorted(set(events) - set(MARKETING_EVENTS))
    if not events or unknown:
        raise BadUserInput(
            f"events must be among: {', '.join(MARKETING_EVENTS)}", field="events", unknown=unknown
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[HasScope.of("write:webhooks")],
        description="Register a URL for marketing events; a secret is generated if not given.",
    )
    async def register_webhook(
        self, info: Info, url: str, events: list[str], secret: str | None = None
    ) -> RegisteredWebhook:
        _check(url, events)
        webhook = Webhook(
            id=new_id("webhook"),
            workspace_id=info.context.workspace_id,
            url=url,
            events=list(dict.fromkeys(events)),
            secret=secret or secrets.token_urlsafe(32),
        )
        async with transaction(info.context.sessions) as session:
            session.add(webhook)
        return RegisteredWebhook(
            id=webhook.id,
            url=webhook.url,
            events=webhook.events,
            status=webhook.status,
            created_at=webhook.created_at,
        )
