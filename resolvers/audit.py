"""The access audit log of the caller's workspace (owners and admins: read:audit)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from models.identity import AccessLogEntry
from resolvers.context import Info
from resolvers.pagination import Connection, SortDirection, SortKey, page_of


@strawberry.type
class AccessLogRecord:
    id: strawberry.ID
    principal: str = strawberry.field(description="Account or API key id, or 'anonymous'.")
    principal_kind: str
    method: str
    route: str = strawberry.field(description="Path, with the GraphQL operation name if any.")
    status: int
    client: str | None
    request_id: str
    at: datetime


@strawberry.type
class Query:
    @strawberry.field(description="Requests made in this workspace, newest first.")
    async def access_log(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        principal: str | None = None,
        status: int | None = None,
    ) -> Connection[AccessLogRecord]:
        ctx = info.context
        statement = ctx.scope.select(AccessLogEntry)
        if principal is not None:
            statement = statement.where(AccessLogEntry.principal == principal)
        if status is not None:
            statement = statement.where(AccessLogEntry.status == status)
        return await page_of(
            ctx,
            statement,
            AccessLogRecord,
            sort=SortKey(AccessLogEntry.at, AccessLogEntry.id, datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
        )
