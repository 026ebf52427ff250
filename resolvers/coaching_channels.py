"""Coaching creator hub (spec 002), part 3: channels, interactions and proactive rules."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import func
from strawberry.scalars import JSON

from models import coaching as m
from resolvers.coaching import grouped, parse_uuid, ratio, uuid_node
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of, paginate

if TYPE_CHECKING:
    from resolvers.coaching_people import EndUser

_EndUser = Annotated["EndUser", strawberry.lazy("resolvers.coaching_people")]

# Channel configurations hold access tokens and the like: those keys are never shown.
_SECRET_KEY = re.compile(r"token|secret|password|api_?key", re.IGNORECASE)

# From the (channel, user) rollup: one row per user who interacted through the channel.
_CHANNEL_ACTIVITY = grouped(
    m.ChannelUser,
    "channel_id",
    users=func.count(),
    interactions=func.sum(m.ChannelUser.interactions),
    last_at=func.max(m.ChannelUser.last_at),
)
_RULE_TRIGGERS = grouped(
    m.RuleTrigger,
    "rule_id",
    triggers=func.count(),
    successes=func.count().filter(m.RuleTrigger.succeeded),
)


@strawberry.enum
class ChannelType(Enum):
    WEB = "web"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    MOBILE = "mobile"


@strawberry.type
class Channel(Node):
    id: strawberry.ID
    channel_type: str
    channel_name: str
    status: str
    created_at: datetime
    _configuration: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="The configuration without secrets (tokens, passwords).")
    def configuration(self) -> JSON:
        return {k: v for k, v in self._configuration.items() if not _SECRET_KEY.search(k)}

    @strawberry.field(description="Where the channel's provider posts incoming messages.")
    def webhook_url(self, info: Info) -> str:
        settings = info.context.settings
        return f"{settings.public_base()}/webhooks/{self.channel_type}/{self.id}"

    async def _activity(self, info: Info) -> Any:
        loader = info.context.loaders.custom("coaching.channel_activity", _CHANNEL_ACTIVITY)
        return await loader.load(self.id)

    @strawberry.field(description="Distinct end users who interacted through this channel.")
    async def user_count(self, info: Info) -> int:
        row = await self._activity(info)
        return row.users if row else 0

    @strawberry.field
    async def interaction_count(self, info: Info) -> int:
        row = await self._activity(info)
        return int(row.interactions) if row else 0

    @strawberry.field(description="The latest interaction through this channel.")
    async def last_activity_at(self, info: Info) -> datetime | None:
        row = await self._activity(info)
        return row.last_at if row else None


def channel_node(row: m.Channel) -> Channel:
    return from_row(Channel, row, _configuration=row.configuration)


@strawberry.type
class Interaction(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    channel: str = strawberry.field(description="The channel type (web, whatsapp ...).")
    channel_id: strawberry.ID | None
    interaction_type: str
    is_ai: bool
    program_id: strawberry.ID | None
    response_time_seconds: float | None
    satisfaction_score: float | None
    content: str | None = strawberry.field(
        description="The message's text, when it went through the gateway (flows, channels)."
    )
    created_at: datetime

    @strawberry.field
    async def end_user(self, info: Info) -> _EndUser | None:
        from resolvers.coaching_people import end_user_node

        row = await info.context.loaders.by_id(m.EndUser).load(self.user_id)
        return end_user_node(row) if row else None

    @strawberry.field(description="The configured channel it came through, when known.")
    async def configured_channel(self, info: Info) -> Channel | None:
        if self.channel_id is None:
            return None
        row = await info.context.loaders.by_id(m.Channel).load(self.channel_id)
        return channel_node(row) if row else None


@strawberry.type
class RuleTrigger:
    id: strawberry.ID
    user_id: strawberry.ID
    triggered_at: datetime
    succeeded: bool
    responded_at: datetime | None

    @strawberry.field
    async def end_user(self, info: Info) -> _EndUser | None:
        from resolvers.coaching_people import end_user_node

        row = await info.context.loaders.by_id(m.EndUser).load(self.user_id)
        return end_user_node(row) if row else None


@strawberry.type
class ProactiveRule(Node):
    id: strawberry.ID
    name: str
    description: str | None
    trigger_conditions: JSON
    actions: JSON
    is_active: bool
    created_at: datetime

    async def _triggers(self, info: Info) -> Any:
        loader = info.context.loaders.custom("coaching.rule_triggers", _RULE_TRIGGERS)
        return await loader.load(self.id)

    @strawberry.field
    async def triggered_count(self, info: Info) -> int:
        row = await self._triggers(info)
        return row.triggers if row else 0

    @strawberry.field(description="Triggers the user engaged with.")
    async def success_count(self, info: Info) -> int:
        row = await self._triggers(info)
        return row.successes if row else 0

    @strawberry.field(description="successCount / triggeredCount; null before any trigger.")
    async def success_rate(self, info: Info) -> float | None:
        row = await self._triggers(info)
        return ratio(row.successes, row.triggers) if row else None

    @strawberry.field(description="The newest triggers (at most `limit`).")
    async def recent_triggers(self, info: Info, limit: int = 10) -> list[RuleTrigger]:
        loader = info.context.loaders.children(
            m.RuleTrigger,
            "rule_id",
            order_by=m.RuleTrigger.triggered_at.desc(),
            limit=max(0, min(limit, 100)),
        )
        return [from_row(RuleTrigger, row) for row in await loader.load(self.id)]


@strawberry.type
class Query:
    @strawberry.field
    async def channel(self, info: Info, id: strawberry.ID) -> Channel | None:
        return await _channel(info, parse_uuid(id))

    @strawberry.field(description="Configured channels, oldest first.")
    async def channels(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        channel_type: ChannelType | None = None,
    ) -> Connection[Channel]:
        ctx = info.context
        statement = ctx.scope.select(m.Channel)
        if channel_type is not None:
            statement = statement.where(m.Channel.channel_type == channel_type.value)
        return await paginate(
            ctx.sessions,
            statement,
            sort=SortKey(m.Channel.created_at, m.Channel.id, datetime),
            direction=SortDirection.ASC,
            first=first,
            after=after,
            to_node=lambda row: channel_node(row[0]),
        )

    @strawberry.field
    async def proactive_rule(self, info: Info, id: strawberry.ID) -> ProactiveRule | None:
        return await _rule(info, parse_uuid(id))

    @strawberry.field(description="Proactive rules, oldest first.")
    async def proactive_rules(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        is_active: bool | None = None,
    ) -> Connection[ProactiveRule]:
        ctx = info.context
        statement = ctx.scope.select(m.ProactiveRule)
        if is_active is not None:
            statement = statement.where(m.ProactiveRule.is_active == is_active)
        return await page_of(
            ctx,
            statement,
            ProactiveRule,
            sort=SortKey(m.ProactiveRule.created_at, m.ProactiveRule.id, datetime),
            direction=SortDirection.ASC,
            first=first,
            after=after,
        )


async def _channel(info: Info, key: uuid.UUID) -> Channel | None:
    row = await info.context.loaders.by_id(m.Channel).load(key)
    return channel_node(row) if row else None


async def _rule(info: Info, key: uuid.UUID) -> ProactiveRule | None:
    row = await info.context.loaders.by_id(m.ProactiveRule).load(key)
    return from_row(ProactiveRule, row) if row else None


async def _interaction(info: Info, key: uuid.UUID) -> Interaction | None:
    row = await info.context.loaders.by_id(m.Interaction).load(key)
    return from_row(Interaction, row) if row else None


register_node(None, uuid_node(_channel))
register_node(None, uuid_node(_rule))
register_node(None, uuid_node(_interaction))
