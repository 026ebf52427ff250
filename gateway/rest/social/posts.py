"""Spec 004's posts: list (filters, sorting, page numbers, summary), create, update, delete.
Writes run the graph's createPost, updatePost and deletePost."""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import AwareDatetime, Field

from gateway.rest.envelopes import Social
from gateway.rest.routing import RestError
from gateway.rest.social.params import (
    Body,
    MediaItem,
    Page,
    Platform,
    Query,
    declare,
    iso,
    media,
)

READ, WRITE = ("read:content",), ("write:content",)
PostType = Literal["text", "image", "video", "carousel", "article", "story", "reel"]
Hashtag = Field(max_length=100)

_POST = (
    "id title content platform postType status scheduledAt publishedAt "
    "media { type url thumbnail alt } hashtags aiGenerated aiConfidence createdAt updatedAt"
)
_PERFORMANCE = "performance { views likes comments shares engagementRate clickThroughRate }"


class ListQuery(Query):
    page: Page = 1
    limit: int = Field(default=20, ge=1, le=100)
    status: Literal["draft", "scheduled", "published", "all"] = "all"
    platform: Platform | None = None
    search: str | None = Field(default=None, max_length=200)
    sortBy: Literal["createdAt", "scheduledAt", "performance"] = "createdAt"
    sortOrder: Literal["asc", "desc"] = "desc"


_SORT = {"createdAt": "CREATED_AT", "scheduledAt": "SCHEDULED_AT", "performance": "PERFORMANCE"}


def _filter(params: ListQuery) -> dict[str, Any]:
    return {
        "status": params.status.upper() if params.status != "all" else None,
        "platform": params.platform.upper() if params.platform else None,
        "search": params.search or None,
    }


def _listed(post: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": post["id"],
        "title": post["title"],
        "content": post["content"],
        "platform": post["platform"],
        "postType": post["postType"],
        "status": post["status"],
        "scheduledAt": iso(post["scheduledAt"]),
        "publishedAt": iso(post["publishedAt"]),
        "media": media(post["media"]),
        "hashtags": post["hashtags"],
        "performance": post["performance"],
        "aiGenerated": post["aiGenerated"],
        "aiConfidence": post["aiConfidence"],
        "createdAt": iso(post["createdAt"]),
        "updatedAt": iso(post["updatedAt"]),
    }


def _list(data: dict[str, Any], call: Any) -> Any:
    page, summary = data["postList"], data["postSummary"]
    limit, current = call.params.limit, call.params.page
    pages = math.ceil(page["total"] / limit)
    return {
        "posts": [_listed(post) for post in page["items"]],
        "pagination": {
            "currentPage": current,
            "totalPages": pages,
            "totalItems": page["total"],
            "itemsPerPage": limit,
            "hasNextPage": current < pages,
            "hasPreviousPage": current > 1,
        },
        "summary": {
            "totalPosts": summary["totalPosts"],
            "published": summary["published"],
            "scheduled": summary["scheduled"],
            "drafts": summary["drafts"],
            "avgEngagement": summary["avgEngagement"] or 0,
        },
    }


class CreateBody(Body):
    title: str | None = Field(default=None, max_length=300)
    content: str = Field(min_length=1, max_length=100_000)
    platform: Platform
    postType: PostType = "text"
    status: Literal["draft", "scheduled"] = "draft"
    scheduledAt: AwareDatetime | None = None
    media: list[MediaItem] = Field(default_factory=list, max_length=20)
    hashtags: list[str] = Field(default_factory=list, max_length=50)
    aiGenerated: bool = False
    aiConfidence: float | None = Field(default=None, ge=0, le=1)


def _media_input(items: list[MediaItem] | None) -> list[dict[str, Any]] | None:
    return None if items is None else [item.model_dump() for item in items]


def _created(data: dict[str, Any], call: Any) -> Any:
    post = data["createPost"]
    return {
        "id": post["id"],
        "title": post["title"],
        "content": post["content"],
        "platform": post["platform"],
        "postType": post["postType"],
        "status": post["status"],
        "scheduledAt": iso(post["scheduledAt"]),
        "media": media(post["media"]),
        "hashtags": post["hashtags"],
        "aiGenerated": post["aiGenerated"],
        "createdAt": iso(post["createdAt"]),
        "updatedAt": iso(post["updatedAt"]),
    }


class UpdateBody(Body):
    title: str | None = Field(default=None, max_length=300)
    content: str | None = Field(default=None, min_length=1, max_length=100_000)
    platform: Platform | None = None
    postType: PostType | None = None
    status: Literal["draft", "scheduled"] | None = None
    scheduledAt: AwareDatetime | None = None
    media: list[MediaItem] | None = Field(default=None, max_length=20)
    hashtags: list[str] | None = Field(default=None, max_length=50)


def _update_input(body: UpdateBody) -> dict[str, Any]:
    return {
        "title": body.title,
        "content": body.content,
        "platform": body.platform.upper() if body.platform else None,
        "postType": body.postType.upper() if body.postType else None,
        "status": body.status.upper() if body.status else None,
        "scheduledAt": body.scheduledAt.isoformat() if body.scheduledAt else None,
        "unschedule": "scheduledAt" in body.model_fields_set and body.scheduledAt is None,
        "media": _media_input(body.media),
        "hashtags": body.hashtags,
    }


def _updated(data: dict[str, Any], call: Any) -> Any:
    post = data["updatePost"]
    return {
        "id": post["id"],
        "title": post["title"],
        "content": post["content"],
        "scheduledAt": iso(post["scheduledAt"]),
        "status": post["status"],
        "updatedAt": iso(post["updatedAt"]),
    }


def _not_found(exc: RestError) -> RestError:
    if exc.status == 404:
        return RestError(404, "RESOURCE_NOT_FOUND", "Post not found")
    return exc


def _post_id(call: Any) -> str:
    return call.request.path_params["post_id"]


ROUTES = [
    declare(
        "GET",
        "/posts",
        "List posts",
        "Content",
        READ,
        "query($limit: Int!, $offset: Int!, $filter: PostFilter, $summaryFilter: PostFilter, "
        "$orderBy: PostSortField!, $direction: SortDirection!) { postList(limit: $limit, "
        "offset: $offset, filter: $filter, orderBy: $orderBy, direction: $direction) { total "
        f"items {{ {_POST} {_PERFORMANCE} }} }} postSummary(filter: $summaryFilter) {{ "
        "totalPosts published scheduled drafts avgEngagement } }",
        _list,
        params=ListQuery,
        variables=lambda call: {
            "limit": call.params.limit,
            "offset": (call.params.page - 1) * call.params.limit,
            "filter": _filter(call.params),
            "summaryFilter": {**_filter(call.params), "status": None},
            "orderBy": _SORT[call.params.sortBy],
            "direction": call.params.sortOrder.upper(),
        },
    ),
    declare(
        "POST",
        "/posts",
        "Create a post",
        "Content",
        WRITE,
        f"mutation($input: PostInput!) {{ createPost(input: $input) {{ {_POST} }} }}",
        _created,
        body=CreateBody,
        status_code=201,
        variables=lambda call: {
            "input": {
                "title": call.body.title,
                "content": call.body.content,
                "platform": call.body.platform.upper(),
                "postType": call.body.postType.upper(),
                "status": call.body.status.upper(),
                "scheduledAt": call.body.scheduledAt.isoformat() if call.body.scheduledAt else None,
                "media": _media_input(call.body.media),
                "hashtags": call.body.hashtags,
                "aiGenerated": call.body.aiGenerated,
                "aiConfidence": call.body.aiConfidence,
            }
        },
    ),
    declare(
        "PUT",
        "/posts/{post_id}",
        "Update a post",
        "Content",
        WRITE,
        "mutation($id: ID!, $input: PostUpdate!) { updatePost(id: $id, input: $input) { "
        "id title content scheduledAt status updatedAt } }",
        _updated,
        body=UpdateBody,
        variables=lambda call: {"id": _post_id(call), "input": _update_input(call.body)},
        refine_error=_not_found,
    ),
    declare(
        "DELETE",
        "/posts/{post_id}",
        "Delete a post",
        "Content",
        WRITE,
        "mutation($id: ID!) { deletePost(id: $id) { id } }",
        lambda data, call: Social.message("Post deleted successfully"),
        variables=lambda call: {"id": _post_id(call)},
        refine_error=_not_found,
    ),
]
