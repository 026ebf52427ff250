"""Spec 003's email marketing routes: campaigns, sequences and leads (list and import)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from gateway.rest.organic import lead_upload
from gateway.rest.organic.formats import iso
from gateway.rest.organic.params import (
    Limit,
    Names,
    Offset,
    WorkspaceBody,
    WorkspaceQuery,
    declare,
)

READ, WRITE = ("read:content",), ("write:campaigns",)
LEADS = ("read:users",)


class CampaignsQuery(WorkspaceQuery):
    type: Literal["one-time", "sequence", "triggered"] | None = None
    status: Literal["draft", "scheduled", "active", "paused", "completed"] | None = None
    limit: Limit = 20
    offset: Offset = 0


def _enum(value: str | None) -> str | None:
    return value.upper().replace("-", "_") if value else None


def _campaigns(data: dict[str, Any], call: Any) -> Any:
    page = data["emailCampaignList"]
    return {
        "campaigns": [
            {
                "id": c["id"],
                "name": c["name"],
                "type": c["type"].lower().replace("_", "-"),
                "status": c["status"].lower(),
                "recipientCount": c["recipientCount"],
                "metrics": c["metrics"],
                "createdAt": iso(c["createdAt"]),
            }
            for c in page["items"]
        ],
        "pagination": {"total": page["total"], "limit": page["limit"], "offset": page["offset"]},
    }


class Criterion(BaseModel):
    field: str = Field(min_length=1, max_length=100)
    operator: str = Field(default="equals", max_length=32)
    value: Any = None


class Segment(BaseModel):
    criteria: list[Criterion] = Field(default_factory=list, max_length=50)


class CampaignContent(BaseModel):
    subject: str = Field(min_length=1, max_length=500)
    preheader: str | None = Field(default=None, max_length=500)
    html: str | None = Field(default=None, max_length=500_000)
    text: str | None = Field(default=None, max_length=500_000)


class Schedule(BaseModel):
    sendAt: AwareDatetime | None = None


class CampaignBody(WorkspaceBody):
    name: str = Field(min_length=1, max_length=200)
    type: Literal["one-time", "sequence", "triggered"]
    segment: Segment = Field(default_factory=Segment)
    content: CampaignContent
    schedule: Schedule | None = None


def _campaign_input(body: CampaignBody) -> dict[str, Any]:
    send_at = body.schedule.sendAt if body.schedule else None
    return {
        "name": body.name,
        "type": _enum(body.type),
        "segment": body.segment.model_dump(),
        "content": body.content.model_dump(exclude_none=True),
        "sendAt": send_at.isoformat() if send_at else None,
    }


class SequencesQuery(WorkspaceQuery):
    status: Literal["draft", "active", "paused", "archived"] | None = None


def _sequences(data: dict[str, Any], call: Any) -> Any:
    return {
        "sequences": [
            {
                "id": s["id"],
                "name": s["name"],
                "status": s["status"].lower(),
                "steps": [
                    {
                        "id": step["id"],
                        "name": step["name"],
                        "delay": step["delaySeconds"],
                        "subject": step["subject"],
                    }
                    for step in s["steps"]
                ],
                "metrics": s["metrics"],
            }
            for s in data["emailSequences"]["nodes"]
        ]
    }


class Trigger(BaseModel):
    type: str = Field(min_length=1, max_length=64)
    value: Any = None


class StepContent(BaseModel):
    subject: str = Field(min_length=1, max_length=500)
    html: str | None = Field(default=None, max_length=500_000)
    text: str | None = Field(default=None, max_length=500_000)


class Condition(BaseModel):
    type: str = Field(min_length=1, max_length=64)
    stepId: str | None = Field(default=None, max_length=64)


class Step(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    delay: int = Field(ge=0, le=366 * 86_400)
    content: StepContent
    condition: Condition | None = None


class SequenceBody(WorkspaceBody):
    name: str = Field(min_length=1, max_length=200)
    trigger: Trigger
    steps: list[Step] = Field(min_length=1, max_length=50)


class LeadsQuery(WorkspaceQuery):
    status: Literal["active", "unsubscribed", "bounced"] | None = None
    tags: Names | None = Field(default=None, alias="tags[]")
    search: str | None = Field(default=None, max_length=200)
    limit: Limit = 20
    cursor: str | None = Field(default=None, max_length=500)


def _leads(data: dict[str, Any], call: Any) -> Any:
    page = data["leads"]
    return {
        "leads": [
            {
                "id": x["id"],
                "email": x["email"],
                "name": x["name"],
                "tags": x["tags"],
                "source": x["source"],
                "status": x["status"].lower(),
                "customFields": x["customFields"],
                "stats": x["stats"],
                "createdAt": iso(x["createdAt"]),
            }
            for x in page["nodes"]
        ],
        "pagination": {
            "nextCursor": page["pageInfo"]["endCursor"]
            if page["pageInfo"]["hasNextPage"]
            else None,
            "hasMore": page["pageInfo"]["hasNextPage"],
        },
    }


class Mapping(BaseModel):
    email: str = Field(default="email", min_length=1, max_length=200)
    name: str | None = Field(default="name", max_length=200)
    customFields: dict[str, str] = Field(default_factory=dict, max_length=100)


class ImportBody(WorkspaceBody):
    source: str | None = Field(default=None, max_length=64)
    mapping: Mapping = Field(default_factory=Mapping)
    data: list[Any] = Field(max_length=50_000)
    tags: list[str] = Field(default_factory=list, max_length=50)


ROUTES = [
    declare(
        "GET",
        "/email/campaigns",
        "List campaigns",
        "Email",
        READ,
        "query($limit: Int!, $offset: Int!, $type: CampaignType, $status: EmailCampaignStatus) "
        "{ emailCampaignList(limit: $limit, offset: $offset, type: $type, status: $status) { "
        "total limit offset items { id name type status recipientCount createdAt "
        "metrics { sent opened clicked converted } } } }",
        _campaigns,
        params=CampaignsQuery,
        variables=lambda call: {
            "limit": call.params.limit,
            "offset": call.params.offset,
            "type": _enum(call.params.type),
            "status": _enum(call.params.status),
        },
    ),
    declare(
        "POST",
        "/email/campaigns",
        "Create campaign",
        "Email",
        WRITE,
        "mutation($input: CampaignInput!) { createEmailCampaign(input: $input) { id status "
        "recipientCount createdAt } }",
        lambda data, call: {
            "campaign": {
                **data["createEmailCampaign"],
                "status": data["createEmailCampaign"]["status"].lower(),
                "createdAt": iso(data["createEmailCampaign"]["createdAt"]),
            }
        },
        body=CampaignBody,
        variables=lambda call: {"input": _campaign_input(call.body)},
    ),
    declare(
        "GET",
        "/email/sequences",
        "List sequences",
        "Email",
        READ,
        "query($status: SequenceStatus) { emailSequences(first: 100, status: $status) { nodes { "
        "id name status steps { id name delaySeconds subject } "
        "metrics { enrolled completed converted } } } }",
        _sequences,
        params=SequencesQuery,
        variables=lambda call: {"status": _enum(call.params.status)},
    ),
    declare(
        "POST",
        "/email/sequences",
        "Create sequence",
        "Email",
        WRITE,
        "mutation($input: SequenceInput!) { createEmailSequence(input: $input) { id status "
        "createdAt } }",
        lambda data, call: {
            "sequence": {
                "id": data["createEmailSequence"]["id"],
                "status": data["createEmailSequence"]["status"].lower(),
                "createdAt": iso(data["createEmailSequence"]["createdAt"]),
            }
        },
        body=SequenceBody,
        variables=lambda call: {
            "input": {
                "name": call.body.name,
                "trigger": call.body.trigger.model_dump(),
                "steps": [
                    {
                        "name": s.name,
                        "delay": s.delay,
                        "content": s.content.model_dump(exclude_none=True),
                        "condition": s.condition.model_dump(exclude_none=True)
                        if s.condition
                        else None,
                    }
                    for s in call.body.steps
                ],
            }
        },
    ),
    declare(
        "GET",
        "/email/leads",
        "List leads",
        "Email",
        LEADS,
        "query($first: Int!, $after: String, $filter: LeadFilter) { leads(first: $first, "
        "after: $after, filter: $filter) { pageInfo { hasNextPage endCursor } nodes { id email "
        "name tags source status customFields createdAt "
        "stats { emailsSent emailsOpened linksClicked } } } }",
        _leads,
        params=LeadsQuery,
        variables=lambda call: {
            "first": call.params.limit,
            "after": call.params.cursor,
            "filter": {
                "status": _enum(call.params.status),
                "tags": call.params.tags,
                "search": call.params.search or None,
            },
        },
    ),
    declare(
        "POST",
        "/email/leads/import",
        "Import leads (JSON body or CSV upload)",
        "Email",
        WRITE,
        "mutation($input: LeadImportInput!) { importLeads(input: $input) { imported skipped "
        "errors { row error } } }",
        lambda data, call: data["importLeads"],
        body=ImportBody,
        decode_body=lead_upload.decode,
        variables=lambda call: {
            "input": {
                "source": call.body.source,
                "mapping": {
                    "email": call.body.mapping.email,
                    "name": call.body.mapping.name,
                    "customFields": call.body.mapping.customFields,
                },
                "data": call.body.data,
                "tags": call.body.tags,
            }
        },
    ),
]
