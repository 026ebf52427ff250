"""GraphQL subscriptions (over graphql-transport-ws and graphql-ws on /graphql).

Every stream reads the connection's principal: events of its workspace only, and only
the types its scopes allow (subscriptions/events.py EVENT_TYPES). A subscriber that falls
behind is dropped: the WebSocket closes with 4008 and other subscribers carry on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Collection
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.permissions import Forbidden
from subscriptions.broker import CursorExpired
from subscriptions.events import EVENT_TYPES, Event, iso
from subscriptions.hub import SubscriberDropped
from subscriptions.metrics import MetricHub, UnknownMetric


@strawberry.type(description="A domain event (docs/events.md lists every type and payload).")
class DomainEvent:
    id: strawberry.ID
    type: str
    workspace_id: str
    data: JSON
    timestamp: str
    cursor: str | None = strawberry.field(description="Broker position; `after` accepts it.")


@strawberry.type
class AgentUpdate:
    agent_id: str
    efficiency: float | None
    status: str
    current_task: str | None
    progress: float | None
    estimated_completion: str | None


@strawberry.type
class MetricUpdate:
    metric: str
    value: float
    previous: float | None
    change: float = strawberry.field(description="Percent change from the previous value.")
    timestamp: datetime


@strawberry.type
class PostStatusUpdate:
    post_id: str
    status: str
    published_at: str | None
    platform: str | None


@strawberry.type
class CampaignPerformanceSnapshot:
    impressions: float | None
    clicks: float | None
    spent: float | None


@strawberry.type
class CampaignUpdate:
    campaign_id: str
    performance: CampaignPerformanceSnapshot
    timestamp: str | None


@strawberry.type
class Notification:
    id: str
    title: str
    message: str
    type: str
    action_url: str | None
    timestamp: str | None


async def _events(
    info: Info, types: Collection[str] | None, after: str | None = None
) -> AsyncGenerator[Event, None]:
    """The principal's events: replay after `after` (if given), then live, de-duplicated."""
    live = info.context.request.app.state.live
    principal = info.context.principal
    subscriber = live.hub.subscribe(principal.workspace_id, types=types, scopes=principal.scopes)
    try:
        seen: set[str] = set()
        if after:
            try:
                missed = await live.broker.replay(principal.workspace_id, after)
            except CursorExpired:
                raise BadUserInput(
                    f"Event {after!r} is older than the retention window or unknown; "
                    "refetch state and subscribe without `after`",
                    argument="after",
                ) from None
            for event in missed:
                if subscriber.wants(event):
                    seen.add(event.id)
                    yield event
        async for event in subscriber:
            if event.id not in seen:
                yield event
    except SubscriberDropped as dropped:
        await info.context.request.close(code=dropped.code, reason=dropped.reason)
        await asyncio.Future()  # the closed connection cancels this operation
    finally:
        live.hub.remove(subscriber)


def _of(payload: Any, cls: type, fields: dict[str, str]) -> Any:
    return cls(**{attr: payload.get(key) for attr, key in fields.items()})


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Domain events of the caller's workspace.")
    async def events(
        self,
        info: Info,
        types: list[str] | None = None,
        after: Annotated[
            str | None, strawberry.argument(description="Resume after this event id or cursor.")
        ] = None,
    ) -> AsyncGenerator[DomainEvent, None]:
        unknown = sorted(set(types or ()) - EVENT_TYPES.keys())
        if unknown:
            raise BadUserInput(f"unknown event types {unknown}", argument="types")
        async for event in _events(info, types, after):
            yield DomainEvent(
                id=strawberry.ID(event.id),
                type=event.type,
                workspace_id=event.workspace_id,
                data=dict(event.payload),
                timestamp=iso(event.created_at),
                cursor=event.cursor,
            )

    @strawberry.subscription(description="AI agent status changes (spec 004 agent_update).")
    async def agent_updates(self, info: Info) -> AsyncGenerator[AgentUpdate, None]:
        fields = {
            "agent_id": "agentId",
            "efficiency": "efficiency",
            "status": "status",
            "current_task": "currentTask",
            "progress": "progress",
            "estimated_completion": "estimatedCompletion",
        }
        async for event in _events(info, ["agent_update"]):
            yield _of(event.payload, AgentUpdate, fields)

    @strawberry.subscription(description="Post status changes (spec 004 post_status).")
    async def post_status(
        self, info: Info, post_id: strawberry.ID | None = None
    ) -> AsyncGenerator[PostStatusUpdate, None]:
        fields = {
            "post_id": "postId",
            "status": "status",
            "published_at": "publishedAt",
            "platform": "platform",
        }
        async for event in _events(info, ["post_status"]):
            if post_id is None or event.payload.get("postId") == post_id:
                yield _of(event.payload, PostStatusUpdate, fields)

    @strawberry.subscription(description="Campaign performance (spec 004 campaign_update).")
    async def campaign_updates(
        self, info: Info, campaign_id: strawberry.ID | None = None
    ) -> AsyncGenerator[CampaignUpdate, None]:
        async for event in _events(info, ["campaign_update"]):
            data = event.payload
            if campaign_id is None or data.get("campaignId") == campaign_id:
                performance = data.get("performance") or {}
                yield CampaignUpdate(
                    campaign_id=data.get("campaignId"),
                    performance=_of(
                        performance,
                        CampaignPerformanceSnapshot,
                        {"impressions": "impressions", "clicks": "clicks", "spent": "spent"},
                    ),
                    timestamp=data.get("timestamp"),
                )

    @strawberry.subscription(description="Notifications (spec 004 notification).")
    async def notifications(self, info: Info) -> AsyncGenerator[Notification, None]:
        fields = {
            "id": "id",
            "title": "title",
            "message": "message",
            "type": "type",
            "action_url": "actionUrl",
            "timestamp": "timestamp",
        }
        async for event in _events(info, ["notification"]):
            yield _of(event.payload, Notification, fields)

    @strawberry.subscription(
        description="Live metrics (totalUsers, activeUsers, totalCharacters, totalMessages, "
        "activeSubscriptions, revenue, adSpend, totalPosts; revenue needs read:revenue), "
        "recomputed every `period` seconds once per workspace "
        "however many watch; pushed only when a value changed."
    )
    async def metric_updates(
        self, info: Info, metrics: list[str], period: int = 5
    ) -> AsyncGenerator[list[MetricUpdate], None]:
        if not info.context.principal.can("read:analytics"):
            raise BadUserInput("This needs the 'read:analytics' scope", argument="metrics")
        if "revenue" in metrics and not info.context.principal.can("read:revenue"):
            raise Forbidden("revenue needs the 'read:revenue' scope")
        hub: MetricHub = info.context.request.app.state.live.metrics
        try:
            hub.check(metrics, period)
        except UnknownMetric as exc:
            raise BadUserInput(str(exc), argument="metrics") from None
        async for values in hub.watch(info.context.principal.workspace_id, metrics, period):
            yield [MetricUpdate(**v.__dict__) for v in values]
