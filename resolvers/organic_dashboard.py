"""Spec 003 dashboard plumbing: integrations, the activity feed, saved reports, exports."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.scalars import JSON

from gateway.files import signed_url
from gateway.organic.integrations import CATALOG, catalog_row
from models import organic as m
from models.files import StoredFile
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.organic import TeamMember, team_member
from resolvers.pagination import Connection, SortDirection, SortKey, paginate


@strawberry.enum
class IntegrationStatus(Enum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"


@strawberry.type
class Integration(Node):
    id: strawberry.ID
    name: str
    provider: str
    status: IntegrationStatus
    config: JSON | None = strawberry.field(description="What it shows; never credentials.")
    last_sync_at: dt.datetime | None


def integration(row: m.Integration) -> Integration:
    return from_row(Integration, row, status=IntegrationStatus(row.status))


@strawberry.type
class Activity(Node):
    id: strawberry.ID
    type: str
    title: str
    description: str | None
    metadata: JSON
    occurred_at: dt.datetime
    actor_id: strawberry.Private[str | None]

    @strawberry.field(description="Who did it, if a member of this workspace.")
    async def actor(self, info: Info) -> TeamMember | None:
        return await team_member(info, self.actor_id)


def activity(row: m.Activity) -> Activity:
    return from_row(Activity, row, metadata=row.meta)


@strawberry.type
class CustomReport(Node):
    id: strawberry.ID
    name: str
    type: str
    config: JSON
    schedule: JSON | None
    created_at: dt.datetime
    next_delivery_at: dt.datetime | None = strawberry.field(
        default=None, description="When the schedule next emails it to its recipients."
    )


@strawberry.enum
class ExportStatus(Enum):
    PROCESSING = "processing"
    COMPLETE = "complete"
    FAILED = "failed"


@strawberry.type
class AnalyticsExport(Node):
    id: strawberry.ID
    format: str
    data: str
    start_date: dt.date
    end_date: dt.date
    status: ExportStatus
    expires_at: dt.datetime | None
    error: str | None
    report_id: str | None
    created_at: dt.datetime
    file_id: strawberry.Private[str | None]
    stored_url: strawberry.Private[str | None]

    @strawberry.field(
        description="A signed link to the file, valid until expiresAt (a legacy export's "
        "own link as stored)."
    )
    def download_url(self, info: Info) -> str | None:
        if self.file_id is None or self.expires_at is None:
            return self.stored_url
        ctx = info.context
        base = str(ctx.request.base_url) if ctx.request is not None else "http://localhost"
        stored = StoredFile(
            workspace_id=ctx.workspace_id, id=self.file_id, expires_at=self.expires_at
        )
        return signed_url(ctx.settings, stored, base)


@strawberry.type
class Query:
    @strawberry.field(
        description="The workspace's integrations; with `withCatalog`, then the others it "
        "could connect (disconnected)."
    )
    async def integrations(self, info: Info, with_catalog: bool = False) -> list[Integration]:
        i = m.Integration
        statement = info.context.scope.select(i).order_by(i.name, i.id)
        async with info.context.sessions() as session:
            rows = list(await session.scalars(statement))
        held = {row.id for row in rows}
        for integration_id in CATALOG if with_catalog else ():
            if integration_id not in held:
                rows.append(catalog_row(info.context.workspace_id, integration_id))
        return [integration(row) for row in rows]

    @strawberry.field(description="The activity feed, newest first.")
    async def activities(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        types: list[str] | None = None,
    ) -> Connection[Activity]:
        a = m.Activity
        statement = info.context.scope.select(a)
        if types:
            statement = statement.where(a.type.in_(types))
        return await paginate(
            info.context.sessions,
            statement,
            sort=SortKey(a.occurred_at, a.id, dt.datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
            to_node=lambda row: activity(row[0]),
        )

    @strawberry.field(description="A saved report definition.")
    async def custom_report(self, info: Info, id: strawberry.ID) -> CustomReport | None:
        return await _report(info, id)

    @strawberry.field(description="An export's status and, once complete, its download URL.")
    async def analytics_export(self, info: Info, id: strawberry.ID) -> AnalyticsExport | None:
        return await _export(info, id)


async def _integration(info: Info, node_id: str) -> Integration | None:
    row = await info.context.loaders.by_id(m.Integration).load(node_id)
    return integration(row) if row else None


async def _activity(info: Info, node_id: str) -> Activity | None:
    row = await info.context.loaders.by_id(m.Activity).load(node_id)
    return activity(row) if row else None


async def _report(info: Info, node_id: str) -> CustomReport | None:
    row = await info.context.loaders.by_id(m.CustomReport).load(node_id)
    return from_row(CustomReport, row) if row else None


async def _export(info: Info, node_id: str) -> AnalyticsExport | None:
    row = await info.context.loaders.by_id(m.AnalyticsExport).load(node_id)
    return export_of(row) if row else None


def export_of(row: m.AnalyticsExport) -> AnalyticsExport:
    return from_row(
        AnalyticsExport, row, status=ExportStatus(row.status), stored_url=row.download_url
    )


register_node("int", _integration)
register_node("act", _activity)
register_node("rpt", _report)
register_node("exp", _export)
