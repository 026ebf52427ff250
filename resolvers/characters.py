"""Characters and their creators (spec 000), with per-item aggregates from rollups."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, or_

from models import platform as m
from resolvers.compiled import registry as compiled
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, paginate

# A creator's characters, newest first; ties by id, so every path lists them alike.
NEWEST_FIRST = (m.Character.created_at.desc(), m.Character.id.desc())


@strawberry.type
class Character(Node):
    id: strawberry.ID
    name: str
    slug: str | None
    image_url: str | None
    creator_id: strawberry.ID | None
    category: str | None
    tags: list[str]
    gender: str | None
    is_public: bool
    is_nsfw: bool
    review_status: str
    is_flagged: bool
    created_at: datetime

    @strawberry.field
    async def creator(self, info: Info) -> Creator | None:
        if self.creator_id is None:
            return None
        row = await info.context.loaders.by_id(m.Creator).load(self.creator_id)
        return from_row(Creator, row) if row else None

    async def _stats(self, info: Info) -> Any:
        row = await info.context.loaders.by_id(m.CharacterStats, "character_id").load(self.id)
        return row or m.CharacterStats(character_id=self.id)

    @strawberry.field(description="Messages exchanged with this character, all time.")
    async def total_messages(self, info: Info) -> int:
        return (await self._stats(info)).total_messages

    @strawberry.field(description="Distinct users who have messaged this character.")
    async def unique_users(self, info: Info) -> int:
        return (await self._stats(info)).unique_users

    @strawberry.field(description="Users who marked this character as a favorite.")
    async def favorites(self, info: Info) -> int:
        return (await self._stats(info)).favorites

    @strawberry.field(description="Images generated with this character.")
    async def images_generated(self, info: Info) -> int:
        return (await self._stats(info)).images_generated

    @strawberry.field(description="Chat sessions with this character.")
    async def sessions_count(self, info: Info) -> int:
        return (await self._stats(info)).sessions


@strawberry.type
class Creator(Node):
    id: strawberry.ID
    username: str
    profile_url: str | None
    is_verified: bool
    created_at: datetime

    async def _stats(self, info: Info) -> Any:
        row = await info.context.loaders.by_id(m.CreatorStats, "creator_id").load(self.id)
        return row or m.CreatorStats(creator_id=self.id, earnings=Decimal(0))

    @strawberry.field
    async def followers(self, info: Info) -> int:
        return (await self._stats(info)).followers

    @strawberry.field
    async def characters_count(self, info: Info) -> int:
        return (await self._stats(info)).characters_count

    @strawberry.field(description="Messages sent to all of this creator's characters.")
    async def total_messages(self, info: Info) -> int:
        return (await self._stats(info)).total_messages

    @strawberry.field
    async def total_images(self, info: Info) -> int:
        return (await self._stats(info)).total_images

    @strawberry.field(description="Completed transactions credited to this creator.")
    async def earnings(self, info: Info) -> Decimal:
        return (await self._stats(info)).earnings

    @strawberry.field(description="The creator's newest characters (at most `limit`).")
    async def characters(self, info: Info, limit: int = 20) -> list[Character]:
        limit = max(0, min(limit, 100))
        loader = info.context.loaders.children(
            m.Character, "creator_id", order_by=NEWEST_FIRST, limit=limit
        )
        return [from_row(Character, row) for row in await loader.load(self.id)]


@strawberry.enum
class CharacterSortField(Enum):
    CREATED_AT = "created_at"
    NAME = "name"
    TOTAL_MESSAGES = "total_messages"
    UNIQUE_USERS = "unique_users"
    FAVORITES = "favorites"
    IMAGES_GENERATED = "images_generated"


@strawberry.input
class CharacterFilter:
    is_nsfw: bool | None = None
    is_public: bool | None = None
    category: str | None = None
    tag: str | None = None
    creator_id: strawberry.ID | None = None
    search: str | None = strawberry.field(default=None, description="In name or slug.")
    created_after: datetime | None = None
    created_before: datetime | None = None


@strawberry.enum
class CreatorSortField(Enum):
    CREATED_AT = "created_at"
    FOLLOWERS = "followers"
    CHARACTERS = "characters_count"
    MESSAGES = "total_messages"
    EARNINGS = "earnings"


def _character_sort(field: CharacterSortField) -> SortKey:
    if field is CharacterSortField.CREATED_AT:
        return SortKey(m.Character.created_at, m.Character.id, datetime)
    if field is CharacterSortField.NAME:
        return SortKey(m.Character.name, m.Character.id, str)
    stat = func.coalesce(getattr(m.CharacterStats, field.value), 0)
    return SortKey(stat, m.Character.id, int)


def _character_filters(f: CharacterFilter) -> list[Any]:
    c = m.Character
    conditions = [
        (f.is_nsfw is not None, lambda: c.is_nsfw == f.is_nsfw),
        (f.is_public is not None, lambda: c.is_public == f.is_public),
        (f.category is not None, lambda: c.category == f.category),
        (f.tag is not None, lambda: c.tags.contains([f.tag])),
        (f.creator_id is not None, lambda: c.creator_id == f.creator_id),
        (bool(f.search), lambda: or_(c.name.ilike(f"%{f.search}%"), c.slug.ilike(f"%{f.search}%"))),
        (f.created_after is not None, lambda: c.created_at >= f.created_after),
        (f.created_before is not None, lambda: c.created_at < f.created_before),
    ]
    return [build() for applies, build in conditions if applies]


@strawberry.type
class Query:
    @strawberry.field
    async def character(self, info: Info, id: strawberry.ID) -> Character | None:
        return await _character(info, id)

    @strawberry.field(description="Characters, filtered and sorted; stats sorts use rollups.")
    async def characters(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: CharacterFilter | None = None,
        order_by: CharacterSortField = CharacterSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[Character]:
        ctx = info.context
        statement = characters_statement(ctx, filter)
        stats_loader = ctx.loaders.by_id(m.CharacterStats, "character_id")

        def to_node(row: Any) -> Character:
            character, stats = row[0], row[1]
            stats_loader.prime(character.id, stats)  # already fetched: no second query
            return from_row(Character, character)

        return await paginate(
            ctx.sessions,
            statement,
            sort=_character_sort(order_by),
            direction=direction,
            first=first,
            after=after,
            to_node=to_node,
        )

    @strawberry.field
    async def creator(self, info: Info, id: strawberry.ID) -> Creator | None:
        return await _creator(info, id)

    @strawberry.field
    async def creators(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        verified: bool | None = None,
        order_by: CreatorSortField = CreatorSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[Creator]:
        ctx = info.context
        statement = creators_statement(ctx, verified)
        sort = creator_sort(order_by)
        stats_loader = ctx.loaders.by_id(m.CreatorStats, "creator_id")

        def to_node(row: Any) -> Creator:
            creator, stats = row[0], row[1]
            stats_loader.prime(creator.id, stats)
            return from_row(Creator, creator)

        return await paginate(
            ctx.sessions,
            statement,
            sort=sort,
            direction=direction,
            first=first,
            after=after,
            to_node=to_node,
        )


def characters_statement(ctx: Any, filter: CharacterFilter | None) -> Any:
    """The workspace's characters matching `filter`, joined to their totals (stats sorts)."""
    statement = ctx.scope.select(m.Character, m.Character, m.CharacterStats).outerjoin(
        m.CharacterStats,
        (m.CharacterStats.workspace_id == m.Character.workspace_id)
        & (m.CharacterStats.character_id == m.Character.id),
    )
    return statement.where(*_character_filters(filter or CharacterFilter()))


def creators_statement(ctx: Any, verified: bool | None) -> Any:
    statement = ctx.scope.select(m.Creator, m.Creator, m.CreatorStats).outerjoin(
        m.CreatorStats,
        (m.CreatorStats.workspace_id == m.Creator.workspace_id)
        & (m.CreatorStats.creator_id == m.Creator.id),
    )
    if verified is not None:
        statement = statement.where(m.Creator.is_verified == verified)
    return statement


def creator_sort(order_by: CreatorSortField) -> SortKey:
    if order_by is CreatorSortField.CREATED_AT:
        return SortKey(m.Creator.created_at, m.Creator.id, datetime)
    kind = Decimal if order_by is CreatorSortField.EARNINGS else int
    return SortKey(func.coalesce(getattr(m.CreatorStats, order_by.value), 0), m.Creator.id, kind)


async def _character(info: Info, node_id: str) -> Character | None:
    row = await info.context.loaders.by_id(m.Character).load(node_id)
    return from_row(Character, row) if row else None


async def _creator(info: Info, node_id: str) -> Creator | None:
    row = await info.context.loaders.by_id(m.Creator).load(node_id)
    return from_row(Creator, row) if row else None


register_node("char", _character)

# The compiled read path (resolvers/compiled): the same reads, built as one SQL statement.
_CHARACTER_TOTALS = {
    "totalMessages": "total_messages",
    "uniqueUsers": "unique_users",
    "favorites": "favorites",
    "imagesGenerated": "images_generated",
    "sessionsCount": "sessions",
}
_CREATOR_TOTALS = {
    "followers": "followers",
    "charactersCount": "characters_count",
    "totalMessages": "total_messages",
    "totalImages": "total_images",
    "earnings": "earnings",
}
compiled.table(
    Character,
    m.Character,
    creator=compiled.ToOne(Creator, via="creator_id"),
    **{
        name: compiled.Aggregate(m.CharacterStats, "character_id", column)
        for name, column in _CHARACTER_TOTALS.items()
    },
)
compiled.table(
    Creator,
    m.Creator,
    characters=compiled.ToMany(Character, "creator_id", order_by=NEWEST_FIRST),
    **{
        name: compiled.Aggregate(m.CreatorStats, "creator_id", column)
        for name, column in _CREATOR_TOTALS.items()
    },
)
compiled.connection(
    Query,
    "characters",
    Character,
    lambda ctx, a: (characters_statement(ctx, a.get("filter")), _character_sort(a["order_by"])),
)
compiled.connection(
    Query,
    "creators",
    Creator,
    lambda ctx, a: (creators_statement(ctx, a.get("verified")), creator_sort(a["order_by"])),
)
compiled.by_id(Query, "character", Character)
compiled.by_id(Query, "creator", Creator)
# Creators share their user's `user_` id; node() prefers the richer PlatformUser type there.
