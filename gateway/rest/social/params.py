"""Spec 004's request forms and how its routes are declared (the family's envelope, tags
and the forms its bodies write values in)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.rest.envelopes import Social
from gateway.rest.routing import declarer
from gateway.rest.timestamps import graph_time

iso = graph_time  # the graph's times as this spec shows them
Platform = Literal["instagram", "facebook", "linkedin", "twitter", "tiktok", "youtube"]
Page = Annotated[int, Field(ge=1, le=100_000)]
Url = Annotated[str, Field(max_length=2048, pattern=r"^https?://\S+$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class MediaItem(Body):
    type: Literal["image", "video", "gif", "document"]
    url: Url
    thumbnail: Url | None = None
    alt: str | None = Field(default=None, max_length=500)


declare = declarer("/v1", Social)


def number(value: str | float | None) -> float | int | None:
    """A Decimal the graph sends as text, as a JSON number (whole amounts as integers)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def media(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Media objects with the keys each item has (the spec shows `thumbnail` or `alt`)."""
    return [{k: v for k, v in item.items() if v is not None} for item in items]


def path_id(name: str) -> Any:
    return lambda call: {"id": call.request.path_params[name]}
