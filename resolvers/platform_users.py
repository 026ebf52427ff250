"""Platform end users (spec 000)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select

from models import platform as m
from resolvers.characters import Creator
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of


async def load_premium_flags(session: Any, keys: list[str], workspace_id: str) -> list[bool]:
    """Premium means an active subscription; one query for a whole page of users."""
    rows = await session.scalars(
        select(m.Subscription.user_id).where(
            m.Subscription.workspace_id == workspace_id,
            m.Subscription.status == "active",
            m.Subscription.user_id.in_(set(keys)),
        )
    )
    premium = set(rows)
    return [key in premium for key in keys]


@strawberry.type
class PlatformUser(Node):
    id: strawberry.ID
    username: str | None
    is_temporary: bool
    language: str | None
    gender: str | None
    country: str | None
    region: str | None
    device: str | None
    created_at: datetime
    last_active_at: datetime | None

    @strawberry.field(description="Holds an active subscription.")
    async def is_premium(self, info: Info) -> bool:
        return await info.context.loaders.custom("premium", load_premium_flags).load(self.id)

    @strawberry.field(description="The user's creator profile, if they publish characters.")
    async def creator_profile(self, info: Info) -> Creator | None:
        row = await info.context.loaders.by_id(m.Creator).load(self.id)
        return from_row(Creator, row) if row else None


@strawberry.input
class PlatformUserFilter:
    language: str | None = None
    country: str | None = None
    gender: str | None = None
    device: str | None = None
    is_temporary: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@strawberry.enum
class PlatformUserSortField(Enum):
    CREATED_AT = "created_at"
    LAST_ACTIVE_AT = "last_active_at"


def _filters(f: PlatformUserFilter) -> list[Any]:
    u = m.PlatformUser
    equal = {
        "language": f.language,
        "country": f.country,
        "gender": f.gender,
        "device": f.device,
        "is_temporary": f.is_temporary,
    }
    conditions = [getattr(u, name) == value for name, value in equal.items() if value is not None]
    if f.created_after is not None:
        conditions.append(u.created_at >= f.created_after)
    if f.created_before is not None:
        conditions.append(u.created_at < f.created_before)
    return conditions


@strawberry.type
class Query:
    @strawberry.field
    async def platform_user(self, info: Info, id: strawberry.ID) -> PlatformUser | None:
        return await _platform_user(info, id)

    @strawberry.field
    async def platform_users(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: PlatformUserFilter | None = None,
        order_by: PlatformUserSortField = PlatformUserSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[PlatformUser]:
        ctx = info.context
        statement = ctx.scope.select(m.PlatformUser).where(
            *_filters(filter or PlatformUserFilter())
        )
        column = m.PlatformUser.created_at
        if order_by is PlatformUserSortField.LAST_ACTIVE_AT:
            # Never-active users sort as if active at their registration.
            column = func.coalesce(m.PlatformUser.last_active_at, m.PlatformUser.created_at)
        return await page_of(
            ctx,
            statement,
            PlatformUser,
            sort=SortKey(column, m.PlatformUser.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )


async def _platform_user(info: Info, node_id: str) -> PlatformUser | None:
    row = await info.context.loaders.by_id(m.PlatformUser).load(node_id)
    return from_row(PlatformUser, row) if row else None


register_node("user", _platform_user)
