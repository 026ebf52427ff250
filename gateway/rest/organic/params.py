"""Spec 003's query parameters and request bodies, validated as documented (a bad value
answers 400 VALIDATION_ERROR), and the declaration helper every route of the family uses."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gateway.rest.envelopes import Dashboard
from gateway.rest.organic.acting import named_workspace
from gateway.rest.routing import RestRoute

BASE = "/api"


def _date_part(value: Any) -> Any:
    """`2024-03-01` or an ISO time whose date is meant (`2024-03-01T00:00:00Z`)."""
    if isinstance(value, str) and len(value) > 10 and value[10] in "T ":
        return value[:10]
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_date_part)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Limit = Annotated[int, Field(ge=1, le=100)]
Offset = Annotated[int, Field(ge=0, le=1_000_000)]
Granularity = Literal["hour", "day", "week", "month"]
Names = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)]


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class WorkspaceQuery(Query):
    workspaceId: Id


class OptionalWorkspace(Query):
    """Routes whose documented form names no workspace: the object's, unless named."""

    workspaceId: Id | None = None


class WorkspaceBody(Body):
    workspaceId: Id


class DatesQuery(WorkspaceQuery):
    startDate: IsoDate | None = None
    endDate: IsoDate | None = None


def dates(params: Any) -> dict[str, Any]:
    return {
        "startDate": params.startDate.isoformat() if params.startDate else None,
        "endDate": params.endDate.isoformat() if params.endDate else None,
    }


def declare(
    method: str,
    path: str,
    summary: str,
    tag: str,
    scopes: tuple[str, ...],
    operation: str,
    respond: Any,
    *,
    params: type[BaseModel] = OptionalWorkspace,
    body: type[BaseModel] | None = None,
    variables: Any = None,
    owner: tuple[Any, str] | None = None,
    **extra: Any,
) -> RestRoute:
    """A spec 003 route: acting in the workspace the call names (acting.py)."""
    return RestRoute(
        method=method,
        path=BASE + path,
        summary=summary,
        tag=tag,
        envelope=Dashboard,
        scopes=scopes,
        params=params,
        body=body,
        operation=operation,
        variables=variables or (lambda call: {}),
        respond=respond,
        acting=named_workspace(owner),
        **extra,
    )
