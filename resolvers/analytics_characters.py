"""Character statistics, top lists, categories and engagement (spec 000 section 3)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from models.analytics import characters
from resolvers.analytics_base import (
    CHARACTERS,
    Granularity,
    Period,
    build,
    cached,
    daily_at_finest,
    window,
)
from resolvers.context import Info
from resolvers.errors import BadUserInput

_DEPENDS = ("characters", "creators", "messages", "favorites", "images", "sessions")


@strawberry.type
class CharacterStatsSummary:
    total: int
    public: int
    private: int
    nsfw: int
    sfw: int
    female: int
    male: int
    other: int = strawberry.field(description="Other or unknown gender.")
    new_this_week: int
    new_this_month: int
    growth_rate: float


@strawberry.type
class CharacterPerformance:
    id: str
    name: str
    slug: str | None
    image_url: str | None
    creator_id: str | None
    creator_name: str | None
    category: str | None
    tags: list[str]
    is_nsfw: bool
    created_at: datetime
    total_messages: int
    unique_users: int
    favorites: int
    images_generated: int
    average_session_minutes: float
    messages_this_week: int
    user_growth_rate: float


@strawberry.type
class CharacterRanking:
    characters: list[CharacterPerformance]
    total_characters: int
    page: int
    total_pages: int


@strawberry.type
class CategoryShare:
    name: str
    count: int
    percentage: float


@strawberry.type
class TagCount:
    tag: str
    count: int


@strawberry.type
class CharacterCategories:
    categories: list[CategoryShare]
    top_tags: list[TagCount]


@strawberry.type
class CharacterEngagement:
    buckets: list[str]
    new_characters: list[int]
    messages_per_character: list[float]
    unique_users_per_character: list[float]
    average_messages_per_character: float
    average_users_per_character: float
    average_sessions_per_character: float


@strawberry.enum
class CharacterRankBy(Enum):
    MESSAGES = "messages"
    USERS = "users"
    FAVORITES = "favorites"
    IMAGES = "images"


@strawberry.enum
class NsfwFilter(Enum):
    ALL = "all"
    NSFW_ONLY = "true"
    SFW_ONLY = "false"


_P30 = Period.LAST_30_DAYS


def check_page(limit: int, page: int) -> None:
    if not 1 <= limit <= 100:
        raise BadUserInput("limit must be between 1 and 100")
    if page < 1:
        raise BadUserInput("page must be 1 or more")


@strawberry.type
class Query:
    @strawberry.field(permission_classes=CHARACTERS)
    async def character_stats_summary(
        self, info: Info, period: Period = _P30
    ) -> CharacterStatsSummary:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await characters.character_stats(session, window(frame, period))

        data = await cached(info, "character_stats", {"p": period.value}, ("characters",), compute)
        return build(CharacterStatsSummary, data)

    @strawberry.field(
        permission_classes=CHARACTERS, description="Ranked by activity in the period."
    )
    async def top_characters(
        self,
        info: Info,
        period: Period = _P30,
        sort_by: CharacterRankBy = CharacterRankBy.MESSAGES,
        limit: int = 20,
        page: int = 1,
        nsfw: NsfwFilter = NsfwFilter.ALL,
    ) -> CharacterRanking:
        check_page(limit, page)

        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await characters.top_characters(
                session,
                window(frame, period),
                sort_by=sort_by.value,
                limit=limit,
                page=page,
                nsfw=nsfw.value,
            )

        args = {"p": period.value, "s": sort_by.value, "l": limit, "pg": page, "n": nsfw.value}
        return build(
            CharacterRanking, await cached(info, "top_characters", args, _DEPENDS, compute)
        )

    @strawberry.field(permission_classes=CHARACTERS)
    async def character_categories(self, info: Info) -> CharacterCategories:
        data = await cached(info, "categories", {}, ("characters",), characters.categories)
        return build(CharacterCategories, data)

    @strawberry.field(permission_classes=CHARACTERS)
    async def character_engagement(
        self, info: Info, period: Period = _P30, granularity: Granularity = Granularity.DAY
    ) -> CharacterEngagement:
        grain = daily_at_finest(granularity, "characterEngagement")

        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await characters.character_engagement(session, window(frame, period), grain)

        args = {"p": period.value, "g": grain}
        return build(
            CharacterEngagement, await cached(info, "char_engagement", args, _DEPENDS, compute)
        )
