"""Webhook registration (spec 000 11.1; its REST route runs this mutation). The URL passes
the SSRF guard here and again at every send (subscriptions/webhooks/)."""

from __future__ import annotations

import secrets
from datetime import datetime

import strawberry
from sqlalchemy import delete
from strawberry.tools import merge_types

from gateway.database import transaction
from models.base import new_id
from models.system import Webhook
from resolvers.context import Info
from resolvers.errors import BadUserInput, NotFound
from resolvers.permissions import HasScope
from subscriptions.events import EVENT_TYPES
from subscriptions.webhooks import ssrf
from subscriptions.webhooks.signing import new_secret

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


async def _check(info: Info, url: str, events: list[str], secret: str | None) -> None:
    if len(url) > 2048:
        raise BadUserInput("url must be at most 2048 characters", field="url")
    try:
        await ssrf.resolve_safe(url, allow_loopback=info.context.settings.webhook_allow_loopback)
    except ssrf.UnsafeUrl as exc:
        raise BadUserInput(f"url is not allowed: {exc}", field="url") from None
    if secret is not None and not 8 <= len(secret) <= 256:
        raise BadUserInput("secret must be 8 to 256 characters", field="secret")
    unknown = sorted(set(events) - set(MARKETING_EVENTS))
    if not events or unknown:
        raise BadUserInput(
            f"events must be among: {', '.join(MARKETING_EVENTS)}", field="events", unknown=unknown
        )


@strawberry.type
class MarketingMutation:
    @strawberry.mutation(
        permission_classes=[HasScope.of("write:webhooks")],
        description="Register a URL for marketing events; a secret is generated if not given.",
    )
    async def register_webhook(
        self, info: Info, url: str, events: list[str], secret: str | None = None
    ) -> RegisteredWebhook:
        await _check(info, url, events, secret)
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


@strawberry.type(description="A webhook of this workspace (spec 003's registration).")
class WorkspaceWebhook:
    id: strawberry.ID
    url: str
    events: list[str]
    status: str
    created_at: datetime
    last_triggered_at: datetime | None
    failure_count: int


def _workspace_webhook(row: Webhook) -> WorkspaceWebhook:
    return WorkspaceWebhook(
        id=row.id,
        url=row.url,
        events=row.events,
        status=row.status,
        created_at=row.created_at,
        last_triggered_at=row.last_triggered_at,
        failure_count=row.failure_count,
    )


async def _checked_webhook(
    info: Info, url: str, events: list[str], secret: str | None
) -> list[dict[str, str]]:
    details = []
    if len(url) > 2048:
        details.append({"field": "url", "message": "url is required"})
    if not events:
        details.append({"field": "events", "message": "events must be a non-empty list"})
    elif unknown := sorted(set(events) - EVENT_TYPES.keys()):
        details.append({"field": "events", "message": f"unknown event types: {unknown}"})
    if secret is not None and not 8 <= len(secret) <= 256:
        details.append({"field": "secret", "message": "secret must be 8-256 characters"})
    if not details:
        try:
            await ssrf.resolve_safe(
                url, allow_loopback=info.context.settings.webhook_allow_loopback
            )
        except ssrf.UnsafeUrl as exc:
            details.append({"field": "url", "message": str(exc)})
    return details


@strawberry.type
class Query:
    @strawberry.field(description="This workspace's webhooks, oldest first.")
    async def workspace_webhooks(self, info: Info) -> list[WorkspaceWebhook]:
        statement = info.context.scope.select(Webhook).order_by(Webhook.created_at, Webhook.id)
        async with info.context.sessions() as session:
            return [_workspace_webhook(row) for row in await session.scalars(statement)]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register a URL for any events; a secret is made if none.")
    async def create_webhook(
        self, info: Info, url: str, events: list[str], secret: str | None = None
    ) -> WorkspaceWebhook:
        if details := await _checked_webhook(info, url, events, secret):
            raise BadUserInput("Invalid input data", details=details)
        webhook = Webhook(
            workspace_id=info.context.workspace_id,
            url=url,
            events=list(dict.fromkeys(events)),
            secret=secret or new_secret(),
        )
        async with transaction(info.context.sessions) as session:
            session.add(webhook)
        return _workspace_webhook(webhook)

    @strawberry.mutation
    async def delete_webhook(self, info: Info, id: strawberry.ID) -> bool:
        async with transaction(info.context.sessions) as session:
            deleted = await session.execute(
                delete(Webhook)
                .where(Webhook.workspace_id == info.context.workspace_id, Webhook.id == id)
                .returning(Webhook.id)
            )
            if deleted.scalar_one_or_none() is None:
                raise NotFound("Webhook not found")
        return True


Mutation = merge_types("Mutation", (MarketingMutation, WebhookMutation))
