"""What users do with characters (spec 000): messages, chat sessions and generated images.

Every relation (a message's user and character, an image's like count) goes through the
request's loaders, so a page of 50 costs the same statements as a page of 5.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select

from models import platform as m
from resolvers.characters import Character
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of
from resolvers.platform_users import PlatformUser

From = Annotated[datetime | None, strawberry.argument(name="from")]


async def user_of(info: Info, user_id: str | None) -> PlatformUser | None:
    if user_id is None:
        return None
    row = await info.context.loaders.by_id(m.PlatformUser).load(user_id)
    return from_row(PlatformUser, row) if row else None


async def character_of(info: Info, character_id: str | None) -> Character | None:
    if character_id is None:
        return None
    row = await info.context.loaders.by_id(m.Character).load(character_id)
    return from_row(Character, row) if row else None


def window(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    """[start, end): consecutive windows never count a row twice."""
    conditions = []
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def equal(**pairs: tuple[Any, Any]) -> list[Any]:
    """`column == value` for each pair whose value was given."""
    return [column == value for column, value in pairs.values() if value is not None]


async def load_like_counts(session: Any, keys: list[str], workspace_id: str) -> list[int]:
    rows = await session.execute(
        select(m.ImageLike.image_id, func.count())
        .where(m.ImageLike.workspace_id == workspace_id, m.ImageLike.image_id.in_(set(keys)))
        .group_by(m.ImageLike.image_id)
    )
    counts = dict(rows.all())
    return [counts.get(key, 0) for key in keys]


@strawberry.type
class Message(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    character_id: strawberry.ID
    session_id: strawberry.ID | None
    sender: str
    created_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)

    @strawberry.field
    async def character(self, info: Info) -> Character | None:
        return await character_of(info, self.character_id)


@strawberry.type
class ChatSession(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    character_id: strawberry.ID | None
    device: str
    started_at: datetime
    duration_seconds: int
    message_count: int

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)

    @strawberry.field
    async def character(self, info: Info) -> Character | None:
        return await character_of(info, self.character_id)


@strawberry.type
class Image(Node):
    id: strawberry.ID
    user_id: strawberry.ID
    character_id: strawberry.ID | None
    is_nsfw: bool
    created_at: datetime

    @strawberry.field
    async def user(self, info: Info) -> PlatformUser | None:
        return await user_of(info, self.user_id)

    @strawberry.field
    async def character(self, info: Info) -> Character | None:
        return await character_of(info, self.character_id)

    @strawberry.field(description="Users who liked this image.")
    async def like_count(self, info: Info) -> int:
        return await info.context.loaders.custom("image_likes", load_like_counts).load(self.id)


@strawberry.enum
class Device(Enum):
    MOBILE = "mobile"
    DESKTOP = "desktop"
    TABLET = "tablet"


@strawberry.type
class Query:
    @strawberry.field(description="Chat messages, newest first by default; [from, to).")
    async def messages(
        self,
        info: Info,
        character_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[Message]:
        t = m.Message
        statement = info.context.scope.select(t).where(
            *equal(character=(t.character_id, character_id), user=(t.user_id, user_id)),
            *window(t.created_at, from_, to),
        )
        return await page_of(
            info.context,
            statement,
            Message,
            sort=SortKey(t.created_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )

    @strawberry.field(description="Chat sessions by start time; [from, to).")
    async def chat_sessions(
        self,
        info: Info,
        device: Device | None = None,
        character_id: strawberry.ID | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[ChatSession]:
        t = m.ChatSession
        statement = info.context.scope.select(t).where(
            *equal(
                device=(t.device, device.value if device else None),
                character=(t.character_id, character_id),
            ),
            *window(t.started_at, from_, to),
        )
        return await page_of(
            info.context,
            statement,
            ChatSession,
            sort=SortKey(t.started_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )

    @strawberry.field(description="Generated images, newest first by default.")
    async def images(
        self,
        info: Info,
        character_id: strawberry.ID | None = None,
        user_id: strawberry.ID | None = None,
        nsfw: bool | None = None,
        from_: From = None,
        to: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
        direction: SortDirection = SortDirection.DESC,
    ) -> Connection[Image]:
        t = m.GeneratedImage
        statement = info.context.scope.select(t).where(
            *equal(
                character=(t.character_id, character_id),
                user=(t.user_id, user_id),
                nsfw=(t.is_nsfw, nsfw),
            ),
            *window(t.created_at, from_, to),
        )
        return await page_of(
            info.context,
            statement,
            Image,
            sort=SortKey(t.created_at, t.id, datetime),
            direction=direction,
            first=first,
            after=after,
        )


def node_resolver(model: Any, cls: type) -> Any:
    async def resolve(info: Info, node_id: str) -> Any:
        row = await info.context.loaders.by_id(model).load(node_id)
        return from_row(cls, row) if row else None

    return resolve


register_node("msg", node_resolver(m.Message, Message))
register_node("sess", node_resolver(m.ChatSession, ChatSession))
register_node("img", node_resolver(m.GeneratedImage, Image))
