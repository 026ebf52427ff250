"""Spec 002's program builder: create, list, get, update, publish and archive programs.
flow_definition is validated by the graph (gateway/coaching/flows.py): a bad flow is a 422
naming the offending node in `details`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.rest.coaching.params import (
    READ,
    WRITE,
    Body,
    Name,
    PageQuery,
    Text,
    declare,
    found,
    iso,
    pagination,
    path_id,
    rate,
)
from gateway.rest.routing import Call

_PROGRAM = (
    "id name description flowDefinition status version settings createdAt updatedAt "
    "publishedAt enrollmentCount completionRate"
)
_DETAIL = (
    f"{_PROGRAM} enrollmentStats {{ total active completed averageCompletionDays }} engagementScore"
)


class ProgramBody(Body):
    name: Name
    description: Text | None = None
    flow_definition: dict[str, Any]
    settings: dict[str, Any] = Field(default_factory=dict)


class ProgramUpdateBody(Body):
    name: Name | None = None
    description: Text | None = None
    flow_definition: dict[str, Any] | None = None
    settings: dict[str, Any] | None = None


def _input(body: Body) -> dict[str, Any]:
    values = body.model_dump(exclude_none=True)
    names = {"flow_definition": "flowDefinition"}
    return {names.get(k, k): v for k, v in values.items()}


def _created(data: dict[str, Any], call: Call) -> Any:
    p = data["createProgram"]
    return {
        "id": p["id"],
        "name": p["name"],
        "description": p["description"],
        "flow_definition": p["flowDefinition"],
        "status": p["status"],
        "version": p["version"],
        "settings": p["settings"],
        "created_at": iso(p["createdAt"]),
        "enrollment_count": p["enrollmentCount"],
    }


class ProgramsQuery(PageQuery):
    status: Literal["draft", "published", "archived"] | None = None
    search: str | None = Field(default=None, max_length=200)


def _listed(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": p["id"],
        "name": p["name"],
        "description": p["description"],
        "status": p["status"],
        "version": p["version"],
        "created_at": iso(p["createdAt"]),
        "updated_at": iso(p["updatedAt"]),
        "enrollment_count": p["enrollmentCount"],
        "completion_rate": rate(p["completionRate"]),
    }


def _list(data: dict[str, Any], call: Call) -> Any:
    page = data["programPage"]
    return {"programs": [_listed(p) for p in page["items"]], "pagination": pagination(page, call)}


def detail(p: dict[str, Any]) -> dict[str, Any]:
    stats = p["enrollmentStats"]
    flow = p["flowDefinition"] or {}
    return {
        "id": p["id"],
        "name": p["name"],
        "description": p["description"],
        "flow_definition": {"nodes": flow.get("nodes", []), "edges": flow.get("edges", []),
                            **flow},
        "status": p["status"],
        "version": p["version"],
        "settings": p["settings"],
        "created_at": iso(p["createdAt"]),
        "updated_at": iso(p["updatedAt"]),
        "published_at": iso(p["publishedAt"]),
        "enrollment_count": p["enrollmentCount"],
        "completion_rate": rate(p["completionRate"]),
        "analytics": {
            "total_enrollments": stats["total"],
            "active_enrollments": stats["active"],
            "completed_enrollments": stats["completed"],
            "average_completion_time_days": stats["averageCompletionDays"] or 0,
            "engagement_score": rate(p["engagementScore"]),
        },
    }  # fmt: skip


def _program_id(call: Call) -> dict[str, Any]:
    return {"id": path_id(call, "program_id", "Program")}


ROUTES = [
    declare(
        "POST",
        "/programs",
        "Create a program (a draft; flow_definition validated)",
        "Programs",
        WRITE,
        f"mutation($input: ProgramInput!) {{ createProgram(input: $input) {{ {_PROGRAM} }} }}",
        _created,
        body=ProgramBody,
        variables=lambda call: {"input": _input(call.body)},
        status_code=201,
    ),
    declare(
        "GET",
        "/programs",
        "List programs",
        "Programs",
        READ,
        "query($page: Int!, $limit: Int!, $status: ProgramStatus, $search: String) { "
        "programPage(page: $page, limit: $limit, status: $status, search: $search) { "
        f"total items {{ {_PROGRAM} }} }} }}",
        _list,
        params=ProgramsQuery,
        variables=lambda call: {
            "page": call.params.page,
            "limit": call.params.limit,
            "status": call.params.status.upper() if call.params.status else None,
            "search": call.params.search or None,
        },
    ),
    declare(
        "GET",
        "/programs/{program_id}",
        "Get a program with its analytics",
        "Programs",
        READ,
        f"query($id: ID!) {{ program(id: $id) {{ {_DETAIL} }} }}",
        lambda data, call: detail(found(data["program"], "Program")),
        variables=_program_id,
    ),
    declare(
        "PUT",
        "/programs/{program_id}",
        "Update a program (a published one gets a new version)",
        "Programs",
        WRITE,
        "mutation($id: ID!, $input: ProgramUpdate!) { updateProgram(id: $id, input: $input) "
        f"{{ {_DETAIL} }} }}",
        lambda data, call: detail(data["updateProgram"]),
        body=ProgramUpdateBody,
        variables=lambda call: {**_program_id(call), "input": _input(call.body)},
    ),
    declare(
        "POST",
        "/programs/{program_id}/publish",
        "Publish a draft program",
        "Programs",
        WRITE,
        "mutation($id: ID!) { publishProgram(id: $id) { id status publishedAt version } }",
        lambda data, call: {
            "id": data["publishProgram"]["id"],
            "status": data["publishProgram"]["status"],
            "published_at": iso(data["publishProgram"]["publishedAt"]),
            "version": data["publishProgram"]["version"],
        },
        variables=_program_id,
    ),
    declare(
        "POST",
        "/programs/{program_id}/archive",
        "Archive a program (no new enrolments)",
        "Programs",
        WRITE,
        f"mutation($id: ID!) {{ archiveProgram(id: $id) {{ {_DETAIL} }} }}",
        lambda data, call: detail(data["archiveProgram"]),
        variables=_program_id,
    ),
]
