"""Spec 002's query parameters, request bodies and shapes shared by its routes, and the
declaration helper every declared route of the family uses."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.rest.envelopes import Coaching
from gateway.rest.routing import Call, RestError, declarer
from gateway.rest.timestamps import graph_time

iso = graph_time  # the graph's times as this spec shows them
BASE = "/api/v1"
READ, WRITE = ("read:content",), ("write:content",)
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=5000)]


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PageQuery(Query):
    page: int = Field(default=1, ge=1, le=100_000)
    limit: int = Field(default=20, ge=1, le=100)


declare = declarer(BASE, Coaching)


def path_id(call: Call, name: str, what: str) -> str:
    """A path id; one that is no UUID names nothing (404, as an unknown one)."""
    value = call.request.path_params[name]
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise RestError(404, "", f"{what} not found") from None


def found(value: Any, what: str) -> Any:
    if value is None:
        raise RestError(404, "", f"{what} not found")
    return value


def pagination(page: dict[str, Any], call: Call) -> dict[str, int]:
    limit = call.params.limit
    return {
        "page": call.params.page,
        "limit": limit,
        "total": page["total"],
        "pages": math.ceil(page["total"] / limit),
    }


def rate(value: float | None) -> float:
    """A share the spec shows as a number: 0 before there is anything to divide."""
    return value if value is not None else 0.0
