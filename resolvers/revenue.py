"""Money and moderation (spec 000): subscription tiers, subscriptions, transactions and
moderation reports, with their users, tiers and creators through the request's loaders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from models import platform as m
from resolvers.characters import Creator
from resolvers.context import Info
from resolvers.engagement import From, equal, node_resolver, user_of, window
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of
from resolvers.platform_users import PlatformUser


@strawberry.type
class SubscriptionTier(Node):
    id: strawberry.ID
    name: str
    price: Decimal
    currency: str
    interval_months: int


@strawberry.type
class PlatformSubscription(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    tier_id: strawberry.ID
    status: str
    created_at: datetime
    cancelled_at: datetime | None
    ends_at: datetime | None

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)

    @strawberry.field
    async def tier(self, info: Info) -> SubscriptionTier | None:
        row = await info.context.loaders.by_id(m.SubscriptionTier).load(self.tier_id)
        return from_row(SubscriptionTier, row) if row else None


@strawberry.type
class Transaction(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    type: str
    amount: Decimal
    currency: str
    status: str
    subscription_id: strawberry.ID | None
    creator_id: strawberry.ID | None
    created_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)

    @strawberry.field(description="The creator a tip or purchase credits, if any.")
    async def creator(self, info: Info) -> Creator | None:
        if self.creator_id is None:
            return None
        row = await info.context.loaders.by_id(m.Creator).load(self.creator_id)
        return from_row(Creator, row) if row else None


@strawberry.type
class ModerationReport(Node):
    id: strawberry.ID
    target_type: str
    target_id: strawberry.ID
    reporter_id: strawberry.ID | None
    reason: str
    status: str
    created_at: datetime
    resolved_at: datetime | None

    @strawberry.field
    async def reporter(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.reporter_id)


@strawberry.enum
class SubscriptionStatus(Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


@strawberry.enum
class TransactionType(Enum):
    SUBSCRIPTION = "subscription"
    POINT_PURCHASE = "point_purchase"
    TIP = "tip"


@strawberry.enum
class TransactionStatus(Enum):
    COMPLETED = "completed"
    PENDING = "pending"
    REFUNDED = "refunded"
    FAILED = "failed"


@strawberry.enum
class TransactionSortField(Enum):
    CREATED_AT = "created_at"
    AMOUNT = "amount"


@strawberry.enum
class ReportStatus(Enum):
    PENDING = "pending"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


@strawberry.enum
class ReportTargetType(Enum):
    CHARACTER = "character"
    IMAGE = "image"
    MESSAGE = "message"
    USER = "user"


def _value(choice: Enum | None) -> str | None:
    return None if choice is None else choice.value


@strawberry.type
class Query:
    @strawberry.field(description="Every subscription plan, cheapest first (plans are few).")
    async def subscription_tiers(self, info: Info) -> list[SubscriptionTier]:
        t = m.SubscriptionTier
        statement = info.context.scope.select(t).order_by(t.price, t.id)
        async with info.context.sessions() as session:
            rows = await session.scalars(statement)
            return [from_row(SubscriptionTier, row) for row in rows]

    @strawberry.field(description="Subscriptions, newest first by default.")
    async def subscriptions(
        self,
        info: Info,
        status: SubscriptionStatus | None = None,
        tier_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[PlatformSubscription]:
        t = m.Subscription
        statement = info.context.scope.select(t).where(
            *equal(
                status=(t.status, _value(status)),
                tier=(t.tier_id, tier_id),
                user=(t.user_id, user_id),
            )
        )
        return await page_of(
            info.context,
            statement,
            PlatformSubscription,
            sort=SortKey(t.created_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )

    @strawberry.field(description="Transactions by time or amount; [from, to) on createdAt.")
    async def transactions(
        self,
        info: Info,
        type: TransactionType | None = None,
        status: TransactionStatus | None = None,
        user_id: strawberry.ID | None = None,
        creator_id: strawberry.ID | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: TransactionSortField = TransactionSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[Transaction]:
        t = m.Transaction
        statement = info.context.scope.select(t).where(
            *equal(
                type=(t.type, _value(type)),
                status=(t.status, _value(status)),
                user=(t.user_id, user_id),
                creator=(t.creator_id, creator_id),
            ),
            *window(t.created_at, from_, to),
        )
        if order_by is TransactionSortField.AMOUNT:
            sort = SortKey(t.amount, t.id, Decimal)
        else:
            sort = SortKey(t.created_at, t.id, datetime)
        return await page_of(
            info.context,
            statement,
            Transaction,
            sort=sort,
            direction=direction,
            first=first,
            after=after,
        )

    @strawberry.field(description="Moderation reports, newest first by default.")
    async def moderation_reports(
        self,
        info: Info,
        status: ReportStatus | None = None,
        target_type: ReportTargetType | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[ModerationReport]:
        t = m.ModerationReport
        statement = info.context.scope.select(t).where(
            *equal(status=(t.status, _value(status)), target=(t.target_type, _value(target_type)))
        )
        return await page_of(
            info.context,
            statement,
            ModerationReport,
            sort=SortKey(t.created_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )


register_node("tier", node_resolver(m.SubscriptionTier, SubscriptionTier))
register_node("sub", node_resolver(m.Subscription, PlatformSubscription))
register_node("txn", node_resolver(m.Transaction, Transaction))
register_node("report", node_resolver(m.ModerationReport, ModerationReport))
