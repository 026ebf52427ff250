"""Creators, content moderation, geography and feature usage (spec 000 sections 6-9)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from models.analytics import creators, platform
from resolvers.analytics_base import ANALYTICS, Period, build, cached, window
from resolvers.analytics_characters import check_page
from resolvers.context import Info

_CREATORS = ("creators", "characters", "followers", "messages", "images", "transactions")


@strawberry.type
class TopCharacterRef:
    id: str
    name: str
    messages: int


@strawberry.type
class CreatorPerformance:
    id: str
    username: str
    profile_url: str | None
    is_verified: bool
    created_at: datetime
    followers: int
    characters_count: int
    total_messages: int
    total_images: int
    earnings: float
    paying_fans: int = strawberry.field(
        description="Distinct users who paid this creator (completed) in the period."
    )
    top_character: TopCharacterRef | None


@strawberry.type
class CreatorRanking:
    creators: list[CreatorPerformance]
    total_creators: int
    page: int
    total_pages: int


@strawberry.type
class CreatorEcosystem:
    total_creators: int
    active_creators: int
    new_creators_this_month: int
    total_characters_by_creators: int
    average_characters_per_creator: float
    top_creators: list[CreatorPerformance]


@strawberry.enum
class CreatorRankBy(Enum):
    FOLLOWERS = "followers"
    CHARACTERS = "characters"
    MESSAGES = "messages"
    EARNINGS = "earnings"


@strawberry.type
class ContentCharacters:
    total: int
    nsfw: int
    sfw: int
    pending_review: int
    flagged: int


@strawberry.type
class ContentImages:
    total_generated: int
    nsfw_images: int
    sfw_images: int


@strawberry.type
class ContentReports:
    total_reports: int
    pending_review: int
    resolved: int = strawberry.field(description="Resolved or dismissed.")


@strawberry.type
class ContentStats:
    characters: ContentCharacters
    images: ContentImages
    reports: ContentReports


@strawberry.type
class NamedShare:
    code: str
    name: str
    users: int
    percentage: float


@strawberry.type
class RegionShare:
    name: str
    users: int
    percentage: float


@strawberry.type
class GeoDistribution:
    countries: list[NamedShare]
    languages: list[NamedShare]
    regions: list[RegionShare]


@strawberry.type
class FeatureAdoption:
    key: str
    name: str
    users: int
    percentage: float
    average_per_user: float


@strawberry.type
class Query:
    @strawberry.field(permission_classes=ANALYTICS)
    async def creator_ecosystem(self, info: Info) -> CreatorEcosystem:
        data = await cached(info, "creator_stats", {}, _CREATORS, creators.creator_stats)
        return build(CreatorEcosystem, data)

    @strawberry.field(permission_classes=ANALYTICS)
    async def top_creators(
        self,
        info: Info,
        period: Period = Period.LAST_30_DAYS,
        sort_by: CreatorRankBy = CreatorRankBy.FOLLOWERS,
        limit: int = 20,
        page: int = 1,
    ) -> CreatorRanking:
        check_page(limit, page)

        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await creators.top_creators(
                session, window(frame, period), sort_by=sort_by.value, limit=limit, page=page
            )

        args = {"p": period.value, "s": sort_by.value, "l": limit, "pg": page}
        return build(CreatorRanking, await cached(info, "top_creators", args, _CREATORS, compute))

    @strawberry.field(permission_classes=ANALYTICS)
    async def content_stats(self, info: Info) -> ContentStats:
        depends = ("characters", "images", "reports")
        return build(
            ContentStats, await cached(info, "content", {}, depends, platform.content_stats)
        )

    @strawberry.field(permission_classes=ANALYTICS)
    async def geo_distribution(self, info: Info) -> GeoDistribution:
        return build(GeoDistribution, await cached(info, "geo", {}, ("users",), platform.geo))

    @strawberry.field(permission_classes=ANALYTICS)
    async def feature_adoption(self, info: Info) -> list[FeatureAdoption]:
        depends = ("users", "feature_usage")
        data = await cached(info, "features", {}, depends, platform.feature_usage)
        return [build(FeatureAdoption, f) for f in data]
