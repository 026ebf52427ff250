"""Live updates in the graph: the subscriptions (subscriptions/graphql.py), the activity feed
(the outbox) and the webhook delivery log."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.events import DomainEvent as EventRow
from models.events import WebhookDelivery as DeliveryRow
from resolvers.context import Info
from resolvers.pagination import Connection, SortDirection, SortKey, paginate
from resolvers.permissions import HasScope
from subscriptions.events import EVENT_TYPES, iso, scope_for
from subscriptions.graphql import DomainEvent
from subscriptions.graphql import Subscription as Subscription


@strawberry.type(description="One event sent (or being sent) to one webhook endpoint.")
class WebhookDelivery:
    id: strawberry.ID
    webhook_id: str
    event_id: str
    event_type: str
    status: str = strawberry.field(description="pending, retrying, delivered, failed, skipped")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


def _delivery(row: object) -> WebhookDelivery:
    d = row[0]  # type: ignore[index]
    return WebhookDelivery(
        id=strawberry.ID(d.id),
        **{k: getattr(d, k) for k in WebhookDelivery.__annotations__ if k != "id"},
    )


def _event(row: object) -> DomainEvent:
    e = row[0]  # type: ignore[index]
    return DomainEvent(
        id=strawberry.ID(e.id),
        type=e.type,
        workspace_id=e.workspace_id,
        data=e.payload,
        timestamp=iso(e.created_at),
        cursor=None,
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="The delivery log of the workspace's webhooks, newest first.",
        permission_classes=[HasScope.of("write:webhooks")],
    )
    async def webhook_deliveries(
        self,
        info: Info,
        webhook_id: strawberry.ID | None = None,
        status: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookDelivery]:
        statement = info.context.scope.select(DeliveryRow)
        if webhook_id is not None:
            statement = statement.where(DeliveryRow.webhook_id == webhook_id)
        if status is not None:
            statement = statement.where(DeliveryRow.status == status)
        return await paginate(
            info.context.sessions,
            statement,
            sort=SortKey(DeliveryRow.created_at, DeliveryRow.id, datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
            to_node=_delivery,
        )

    @strawberry.field(description="Recorded domain events (the activity feed), newest first.")
    async def activity(
        self,
        info: Info,
        types: list[str] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[DomainEvent]:
        principal = info.context.principal
        statement = info.context.scope.select(EventRow)
        if types:
            statement = statement.where(EventRow.type.in_(types))
        allowed = [t for t in EVENT_TYPES if principal.can(scope_for(t))]
        statement = statement.where(EventRow.type.in_(allowed))
        return await paginate(
            info.context.sessions,
            statement,
            sort=SortKey(EventRow.created_at, EventRow.id, datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
            to_node=_event,
        )
