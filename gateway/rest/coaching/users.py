"""Spec 002's user management: list, get and update end users, and enrol one in a program."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from gateway.rest.coaching.params import (
    READ,
    WRITE,
    Body,
    PageQuery,
    declare,
    found,
    iso,
    pagination,
    path_id,
)
from gateway.rest.routing import Call

_USER = (
    "id externalId channel profileData createdAt lastActiveAt isActive engagementScore "
    "timezone language"
)
_DETAIL = (
    f"{_USER} enrollments {{ programId status progress enrolledAt program {{ name }} }} "
    "recentInteractions(limit: 10) { id interactionType createdAt channel } "
    "badges { badgeId earnedAt badge { name } }"
)


class UsersQuery(PageQuery):
    channel: Literal["web", "whatsapp", "telegram", "mobile"] | None = None
    status: Literal["active", "inactive"] | None = None
    search: str | None = Field(default=None, max_length=200)
    sort: Literal["created_at", "last_active_at", "engagement_score"] = "created_at"
    order: Literal["asc", "desc"] = "desc"


def _list_variables(call: Call) -> dict[str, Any]:
    q: UsersQuery = call.params
    return {
        "page": q.page,
        "limit": q.limit,
        "filter": {
            "channel": q.channel.upper() if q.channel else None,
            "isActive": None if q.status is None else q.status == "active",
            "search": q.search or None,
        },
        "orderBy": q.sort.upper(),
        "direction": q.order.upper(),
    }


def _listed(u: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": u["id"],
        "external_id": u["externalId"],
        "channel": u["channel"],
        "profile_data": u["profileData"],
        "created_at": iso(u["createdAt"]),
        "last_active_at": iso(u["lastActiveAt"]),
        "is_active": u["isActive"],
        "engagement_score": u["engagementScore"],
        "program_enrollments": u["enrollmentCount"],
        "total_interactions": u["totalInteractions"],
    }


def _list(data: dict[str, Any], call: Call) -> Any:
    page = data["endUserPage"]
    return {"users": [_listed(u) for u in page["items"]], "pagination": pagination(page, call)}


def detail(u: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": u["id"],
        "external_id": u["externalId"],
        "channel": u["channel"],
        "profile_data": u["profileData"],
        "created_at": iso(u["createdAt"]),
        "last_active_at": iso(u["lastActiveAt"]),
        "is_active": u["isActive"],
        "timezone": u["timezone"],
        "language": u["language"],
        "engagement_score": u["engagementScore"],
        "program_enrollments": [
            {
                "program_id": e["programId"],
                "program_name": e["program"]["name"] if e["program"] else None,
                "status": e["status"],
                "progress": e["progress"],
                "enrolled_at": iso(e["enrolledAt"]),
            }
            for e in u["enrollments"]
        ],
        "recent_interactions": [
            {
                "id": i["id"],
                "interaction_type": i["interactionType"],
                "created_at": iso(i["createdAt"]),
                "channel": i["channel"],
            }
            for i in u["recentInteractions"]
        ],
        "badges_earned": [
            {
                "badge_id": b["badgeId"],
                "badge_name": b["badge"]["name"] if b["badge"] else None,
                "earned_at": iso(b["earnedAt"]),
            }
            for b in u["badges"]
        ],
    }


class UserUpdateBody(Body):
    profile_data: dict[str, Any] | None = None
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    language: str | None = Field(default=None, min_length=2, max_length=16)


def _update_variables(call: Call) -> dict[str, Any]:
    body: UserUpdateBody = call.body
    return {
        "id": path_id(call, "user_id", "User"),
        "input": {
            "profileData": body.profile_data,
            "timezone": body.timezone,
            "language": body.language,
        },
    }


def _enrolled(data: dict[str, Any], call: Call) -> Any:
    e = data["enrollEndUser"]
    return {
        "enrollment_id": e["id"],
        "program_id": e["programId"],
        "user_id": e["userId"],
        "status": e["status"],
        "enrolled_at": iso(e["enrolledAt"]),
    }


ROUTES = [
    declare(
        "GET",
        "/users",
        "List users",
        "Users",
        READ,
        "query($page: Int!, $limit: Int!, $filter: EndUserFilter, $orderBy: EndUserSortField!, "
        "$direction: SortDirection!) { endUserPage(page: $page, limit: $limit, filter: $filter, "
        f"orderBy: $orderBy, direction: $direction) {{ total items {{ {_USER} enrollmentCount "
        "totalInteractions } } }",
        _list,
        params=UsersQuery,
        variables=_list_variables,
    ),
    declare(
        "GET",
        "/users/{user_id}",
        "Get a user with enrolments, interactions and badges",
        "Users",
        READ,
        f"query($id: ID!) {{ endUser(id: $id) {{ {_DETAIL} }} }}",
        lambda data, call: detail(found(data["endUser"], "User")),
        variables=lambda call: {"id": path_id(call, "user_id", "User")},
    ),
    declare(
        "PUT",
        "/users/{user_id}",
        "Update a user's profile, timezone and language",
        "Users",
        WRITE,
        "mutation($id: ID!, $input: EndUserUpdate!) { updateEndUser(id: $id, input: $input) "
        f"{{ {_DETAIL} }} }}",
        lambda data, call: detail(data["updateEndUser"]),
        body=UserUpdateBody,
        variables=_update_variables,
    ),
    declare(
        "POST",
        "/users/{user_id}/programs/{program_id}/enroll",
        "Enrol a user in a published program",
        "Users",
        WRITE,
        "mutation($user: ID!, $program: ID!) { enrollEndUser(userId: $user, programId: $program) "
        "{ id programId userId status enrolledAt } }",
        _enrolled,
        variables=lambda call: {
            "user": path_id(call, "user_id", "User"),
            "program": path_id(call, "program_id", "Program"),
        },
        status_code=201,
    ),
]
