"""Spec 003 email leads: who receives the campaigns, filtered by status, tags or text."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import or_
from strawberry.scalars import JSON

from models import organic as m
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.organic import contains
from resolvers.pagination import Connection, SortDirection, SortKey, paginate


@strawberry.enum
class LeadStatus(Enum):
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


@strawberry.type
class LeadStats:
    emails_sent: int
    emails_opened: int
    links_clicked: int


@strawberry.type
class Lead(Node):
    id: strawberry.ID
    email: str
    name: str | None
    tags: list[str]
    source: str | None
    status: LeadStatus
    custom_fields: JSON
    stats: LeadStats
    created_at: dt.datetime


def lead(row: m.Lead) -> Lead:
    stats = LeadStats(
        emails_sent=row.emails_sent,
        emails_opened=row.emails_opened,
        links_clicked=row.links_clicked,
    )
    return from_row(Lead, row, status=LeadStatus(row.status), stats=stats)


@strawberry.input
class LeadFilter:
    status: LeadStatus | None = None
    tags: list[str] | None = strawberry.field(default=None, description="Has all these tags.")
    search: str | None = strawberry.field(default=None, description="In email or name.")


def _lead_filters(f: LeadFilter) -> list[Any]:
    conditions = []
    if f.status is not None:
        conditions.append(m.Lead.status == f.status.value)
    if f.tags:
        conditions.append(m.Lead.tags.contains(f.tags))
    if f.search:
        conditions.append(or_(contains(m.Lead.email, f.search), contains(m.Lead.name, f.search)))
    return conditions


@strawberry.type
class Query:
    @strawberry.field
    async def lead(self, info: Info, id: strawberry.ID) -> Lead | None:
        return await _lead(info, id)

    @strawberry.field(description="Leads, newest first.")
    async def leads(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: LeadFilter | None = None,
    ) -> Connection[Lead]:
        statement = info.context.scope.select(m.Lead).where(*_lead_filters(filter or LeadFilter()))
        return await paginate(
            info.context.sessions,
            statement,
            to_node=lambda row: lead(row[0]),
            sort=SortKey(m.Lead.created_at, m.Lead.id, dt.datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
        )


async def _lead(info: Info, node_id: str) -> Lead | None:
    row = await info.context.loaders.by_id(m.Lead).load(node_id)
    return lead(row) if row else None


register_node("lead", _lead)
