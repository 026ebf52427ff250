"""Messages, images, sessions and favorites (spec 000 section 4)."""

from __future__ import annotations

import strawberry

from models.analytics import engagement
from resolvers.analytics_base import ANALYTICS, Granularity, Period, build, cached, window
from resolvers.context import Info

_P30 = Period.LAST_30_DAYS


@strawberry.type
class HourCount:
    hour: int = strawberry.field(description="Local hour of day, 0-23.")
    messages: int


@strawberry.type
class WeekdayCount:
    day: str
    messages: int


@strawberry.type
class MessageAnalytics:
    total_messages: int
    period_messages: int
    average_messages_per_day: float
    average_messages_per_user: float
    average_messages_per_session: float
    buckets: list[str]
    values: list[int]
    peak_hours: list[HourCount]
    by_day_of_week: list[WeekdayCount]


@strawberry.type
class CharacterCount:
    id: str
    name: str
    count: int
    image_url: str | None = None


@strawberry.type
class ImageAnalytics:
    total_images_generated: int
    period_images: int
    average_images_per_day: float
    average_images_per_user: float
    buckets: list[str]
    values: list[int]
    top_characters: list[CharacterCount]
    users_with_images: int
    total_image_likes: int
    average_likes_per_image: float


@strawberry.type
class DeviceShares:
    mobile: float
    desktop: float
    tablet: float


@strawberry.type
class SessionAnalytics:
    total_sessions: int
    average_duration_seconds: int
    average_messages_per_session: float
    bounce_rate: float
    by_device: DeviceShares
    buckets: list[str]
    sessions: list[int]
    average_durations: list[int]


@strawberry.type
class FavoriteAnalytics:
    total_favorites: int
    new_favorites_this_week: int
    average_favorites_per_user: float
    average_favorites_per_character: float
    top_characters: list[CharacterCount]
    favorite_growth_rate: float


@strawberry.type
class Query:
    @strawberry.field(permission_classes=ANALYTICS)
    async def message_analytics(
        self, info: Info, period: Period = _P30, granularity: Granularity = Granularity.DAY
    ) -> MessageAnalytics:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await engagement.messages(session, window(frame, period), granularity.value)

        args = {"p": period.value, "g": granularity.value}
        data = await cached(info, "messages", args, ("messages", "sessions"), compute)
        return build(MessageAnalytics, data)

    @strawberry.field(permission_classes=ANALYTICS)
    async def image_analytics(self, info: Info, period: Period = _P30) -> ImageAnalytics:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await engagement.images(session, window(frame, period))

        data = await cached(info, "images", {"p": period.value}, ("images", "image_likes"), compute)
        return build(ImageAnalytics, data)

    @strawberry.field(permission_classes=ANALYTICS)
    async def session_analytics(self, info: Info, period: Period = _P30) -> SessionAnalytics:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await engagement.sessions(session, window(frame, period))

        data = await cached(info, "sessions", {"p": period.value}, ("sessions",), compute)
        return build(SessionAnalytics, data)

    @strawberry.field(permission_classes=ANALYTICS)
    async def favorite_analytics(self, info: Info, period: Period = _P30) -> FavoriteAnalytics:
        async def compute(session, frame):  # type: ignore[no-untyped-def]
            return await engagement.favorites(session, window(frame, period))

        depends = ("favorites", "characters")
        data = await cached(info, "favorites", {"p": period.value}, depends, compute)
        return build(FavoriteAnalytics, data)
