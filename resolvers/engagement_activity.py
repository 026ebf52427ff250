"""Favorites, feature usage and site visits (spec 000), with their users and characters."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from models import platform as m
from resolvers.characters import Character
from resolvers.context import Info
from resolvers.engagement import From, character_of, equal, node_resolver, user_of, window
from resolvers.node import Node, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of
from resolvers.platform_users import PlatformUser


@strawberry.type(description="A user's favorite character (one per pair, so no id of its own).")
class Favorite:
    user_id: strawberry.ID
    character_id: strawberry.ID
    created_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)

    @strawberry.field
    async def character(self, info: Info) -> Character | None:
        return await character_of(info, self.character_id)


@strawberry.enum
class Feature(Enum):
    CHARACTER_CREATION = "character_creation"
    IMAGE_GENERATION = "image_generation"
    VIDEO_GENERATION = "video_generation"
    VOICE_MESSAGES = "voice_messages"
    CHARACTER_CUSTOMIZATION = "character_customization"
    SCENARIOS = "scenarios"


@strawberry.type(description="One use of a platform feature by a user.")
class FeatureUse(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    feature: str
    used_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)


@strawberry.type(description="A visit to the platform's site; userId once the visitor is known.")
class SiteVisit(Node):
    id: strawberry.ID
    visitor_id: str
    user_id: strawberry.ID | None
    source: str | None
    created_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)


@strawberry.type
class Query:
    @strawberry.field(description="Favorites, newest first by default; [from, to).")
    async def favorites(
        self,
        info: Info,
        character_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[Favorite]:
        t = m.Favorite
        statement = info.context.scope.select(t).where(
            *equal(character=(t.character_id, character_id), user=(t.user_id, user_id)),
            *window(t.created_at, from_, to),
        )
        # The pair is the key; as one text value it breaks ties between equal times.
        pair = t.user_id + "/" + t.character_id
        return await page_of(
            info.context,
            statement,
            Favorite,
            sort=SortKey(t.created_at, pair, datetime),
            direction=direction,
            first=first,
            after=after,
        )

    @strawberry.field(description="Feature uses, newest first by default; [from, to).")
    async def feature_usage(
        self,
        info: Info,
        feature: Feature | None = None,
        user_id: strawberry.ID | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[FeatureUse]:
        t = m.FeatureUsage
        statement = info.context.scope.select(t).where(
            *equal(
                feature=(t.feature, feature.value if feature else None), user=(t.user_id, user_id)
            ),
            *window(t.used_at, from_, to),
        )
        return await page_of(
            info.context,
            statement,
            FeatureUse,
            sort=SortKey(t.used_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )

    @strawberry.field(description="Site visits, newest first by default; [from, to).")
    async def visits(
        self,
        info: Info,
        source: str | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[SiteVisit]:
        t = m.SiteVisit
        statement = info.context.scope.select(t).where(
            *equal(source=(t.source, source)), *window(t.created_at, from_, to)
        )
        return await page_of(
            info.context,
            statement,
            SiteVisit,
            sort=SortKey(t.created_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )


register_node("fu", node_resolver(m.FeatureUsage, FeatureUse))
register_node("visit", node_resolver(m.SiteVisit, SiteVisit))
