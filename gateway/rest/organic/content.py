"""Spec 003's content routes: list, calendar, get, create, update, delete, and generation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from gateway.rest.organic.formats import iso, money
from gateway.rest.organic.params import (
    Body,
    DatesQuery,
    Id,
    Limit,
    Offset,
    WorkspaceBody,
    WorkspaceQuery,
    dates,
    declare,
)
from gateway.rest.routing import RestError
from models.organic import ContentItem, GenerationJob

READ, WRITE = ("read:content",), ("write:content",)
ContentType = Literal["tiktok", "blog", "email"]
Url = Annotated[str, Field(max_length=2048, pattern=r"^https?://\S+$")]

_ITEM = (
    "id type status title body mediaUrls metadata scheduledAt publishedAt createdAt updatedAt "
    "metrics { views likes shares saves clicks conversions revenue } "
    "createdBy { id name avatarUrl }"
)


class ListQuery(WorkspaceQuery):
    type: ContentType | None = None
    status: Literal["draft", "scheduled", "published", "failed"] | None = None
    search: str | None = Field(default=None, max_length=200)
    limit: Limit = 20
    offset: Offset = 0


def _listed(item: dict[str, Any]) -> dict[str, Any]:
    author = item["createdBy"]
    metrics = item["metrics"]
    return {
        "id": item["id"],
        "type": item["type"].lower(),
        "status": item["status"].lower(),
        "title": item["title"],
        "body": item["body"],
        "mediaUrls": item["mediaUrls"],
        "scheduledAt": iso(item["scheduledAt"]),
        "metrics": {k: metrics[k] for k in ("views", "likes", "shares")},
        "createdBy": {"id": author["id"], "name": author["name"]} if author else None,
        "createdAt": iso(item["createdAt"]),
    }


def _list(data: dict[str, Any], call: Any) -> Any:
    page = data["contentList"]
    return {
        "content": [_listed(item) for item in page["items"]],
        "pagination": {"total": page["total"], "limit": page["limit"], "offset": page["offset"]},
    }


def _one(data: dict[str, Any], call: Any) -> Any:
    item = data["contentItem"]
    if item is None:
        raise RestError(404, "", "Content not found")
    metrics = dict(item["metrics"])
    metrics["revenue"] = money(metrics["revenue"])
    return {
        "content": {
            "id": item["id"],
            "type": item["type"].lower(),
            "status": item["status"].lower(),
            "title": item["title"],
            "body": item["body"],
            "mediaUrls": item["mediaUrls"],
            "metadata": item["metadata"],
            "scheduledAt": iso(item["scheduledAt"]),
            "publishedAt": iso(item["publishedAt"]),
            "metrics": metrics,
            "createdBy": item["createdBy"],
            "createdAt": iso(item["createdAt"]),
            "updatedAt": iso(item["updatedAt"]),
        }
    }


class CalendarQuery(DatesQuery):
    types: list[ContentType] | None = Field(default=None, alias="types[]")


def _calendar(data: dict[str, Any], call: Any) -> Any:
    return {
        "calendar": {
            day["date"]: [
                {
                    "id": e["content"]["id"],
                    "type": e["content"]["type"].lower(),
                    "title": e["content"]["title"],
                    "time": e["time"][:8],
                    "status": e["content"]["status"].lower(),
                }
                for e in day["entries"]
            ]
            for day in data["contentCalendar"]
        }
    }


class CreateBody(WorkspaceBody):
    type: ContentType
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=200_000)
    mediaUrls: list[Url] = Field(default_factory=list, max_length=50)
    scheduledAt: AwareDatetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class UpdateBody(Body):
    workspaceId: Id | None = None
    title: str | None = Field(default=None, min_length=1, max_length=500)
    body: str | None = Field(default=None, max_length=200_000)
    mediaUrls: list[Url] | None = Field(default=None, max_length=50)
    scheduledAt: AwareDatetime | None = None
    metadata: dict[str, Any] | None = None


def _update_input(body: UpdateBody) -> dict[str, Any]:
    given = body.model_fields_set
    return {
        "title": body.title,
        "body": body.body,
        "mediaUrls": body.mediaUrls,
        "metadata": body.metadata,
        "scheduledAt": body.scheduledAt.isoformat() if body.scheduledAt else None,
        "unschedule": "scheduledAt" in given and body.scheduledAt is None,
    }


class GenerateBody(WorkspaceBody):
    platform: ContentType
    product: str = Field(min_length=1, max_length=200)
    contentType: str = Field(default="demo", min_length=1, max_length=64)
    tone: str | None = Field(default=None, max_length=64)
    length: Literal["short", "medium", "long"] | None = None
    context: str | None = Field(default=None, max_length=5000)


def _generated(data: dict[str, Any], call: Any) -> Any:
    from gateway.organic.generation import estimated_seconds

    job = data["generateContent"]
    return {
        "jobId": job["id"],
        "status": "processing",
        "estimatedTime": estimated_seconds(job["length"]),
    }


def _generation(data: dict[str, Any], call: Any) -> Any:
    job = data["generationJob"]
    if job is None:
        raise RestError(404, "", "Generation job not found")
    status = job["status"].lower()
    if status == "complete":
        result = job["result"] or {}
        content = {k: result.get(k) for k in ("title", "body", "metadata")}
        return {"jobId": job["id"], "status": status, "content": content}
    if status == "failed":
        return {"jobId": job["id"], "status": status, "error": job["error"]}
    return {"jobId": job["id"], "status": status, "progress": job["progress"]}


def _content_id(call: Any) -> str:
    return call.request.path_params["content_id"]


ROUTES = [
    declare(
        "GET",
        "/content",
        "List content",
        "Content",
        READ,
        "query($limit: Int!, $offset: Int!, $filter: ContentFilter) { contentList(limit: $limit, "
        f"offset: $offset, filter: $filter) {{ total limit offset items {{ {_ITEM} }} }} }}",
        _list,
        params=ListQuery,
        variables=lambda call: {
            "limit": call.params.limit,
            "offset": call.params.offset,
            "filter": {
                "type": call.params.type.upper() if call.params.type else None,
                "status": call.params.status.upper() if call.params.status else None,
                "search": call.params.search or None,
            },
        },
    ),
    declare(
        "GET",
        "/content/calendar",
        "Content calendar",
        "Content",
        READ,
        "query($startDate: Date, $endDate: Date, $types: [ContentType!]) { contentCalendar("
        "startDate: $startDate, endDate: $endDate, types: $types) { date entries { time "
        "content { id type title status } } } }",
        _calendar,
        params=CalendarQuery,
        variables=lambda call: {
            **dates(call.params),
            "types": [t.upper() for t in call.params.types] if call.params.types else None,
        },
    ),
    declare(
        "POST",
        "/content/generate",
        "Generate content",
        "Content",
        WRITE,
        "mutation($input: GenerationInput!) { generateContent(input: $input) { id length } }",
        _generated,
        body=GenerateBody,
        variables=lambda call: {
            "input": {
                "platform": call.body.platform.upper(),
                "product": call.body.product,
                "contentType": call.body.contentType,
                "tone": call.body.tone,
                "length": call.body.length,
                "context": call.body.context,
            }
        },
    ),
    declare(
        "GET",
        "/content/generate/{job_id}",
        "Generation status",
        "Content",
        READ,
        "query($id: ID!) { generationJob(id: $id) { id status progress result error } }",
        _generation,
        variables=lambda call: {"id": call.request.path_params["job_id"]},
        owner=(GenerationJob, "job_id"),
    ),
    declare(
        "POST",
        "/content",
        "Create content",
        "Content",
        WRITE,
        "mutation($input: ContentInput!) { createContent(input: $input) { id status createdAt } }",
        lambda data, call: {
            "content": {
                "id": data["createContent"]["id"],
                "status": data["createContent"]["status"].lower(),
                "createdAt": iso(data["createContent"]["createdAt"]),
            }
        },
        body=CreateBody,
        variables=lambda call: {
            "input": {
                "type": call.body.type.upper(),
                "title": call.body.title,
                "body": call.body.body,
                "mediaUrls": call.body.mediaUrls,
                "scheduledAt": call.body.scheduledAt.isoformat() if call.body.scheduledAt else None,
                "metadata": call.body.metadata,
            }
        },
    ),
    declare(
        "GET",
        "/content/{content_id}",
        "Get content",
        "Content",
        READ,
        f"query($id: ID!) {{ contentItem(id: $id) {{ {_ITEM} }} }}",
        _one,
        variables=lambda call: {"id": _content_id(call)},
        owner=(ContentItem, "content_id"),
    ),
    declare(
        "PUT",
        "/content/{content_id}",
        "Update content",
        "Content",
        WRITE,
        "mutation($id: ID!, $input: ContentUpdate!) { updateContent(id: $id, input: $input) "
        "{ id updatedAt } }",
        lambda data, call: {
            "content": {
                "id": data["updateContent"]["id"],
                "updatedAt": iso(data["updateContent"]["updatedAt"]),
            }
        },
        body=UpdateBody,
        variables=lambda call: {"id": _content_id(call), "input": _update_input(call.body)},
        owner=(ContentItem, "content_id"),
    ),
    declare(
        "DELETE",
        "/content/{content_id}",
        "Delete content",
        "Content",
        WRITE,
        "mutation($id: ID!) { deleteContent(id: $id) { id } }",
        lambda data, call: {"message": "Content deleted successfully"},
        variables=lambda call: {"id": _content_id(call)},
        owner=(ContentItem, "content_id"),
    ),
]
