"""Spec 002's lists by page number (`page`, `limit`): the legacy clients' paging, beside
the keyset connections of coaching.py and coaching_people.py."""

from __future__ import annotations

import uuid

import strawberry

from models import coaching as m
from resolvers.coaching import KbDocument, ProcessingStatus, document_node, search_pattern
from resolvers.coaching_people import (
    EndUser,
    EndUserFilter,
    EndUserSortField,
    Program,
    ProgramStatus,
    _end_user_filters,
    _end_user_sort,
    end_user_node,
)
from resolvers.context import Info
from resolvers.node import from_row
from resolvers.pagination import OffsetPage, SortDirection, offset_page


def _offset(page: int, limit: int) -> int:
    return max(0, page - 1) * limit


@strawberry.type
class Query:
    @strawberry.field(description="A knowledge base's documents by page, newest first.")
    async def kb_document_page(
        self,
        info: Info,
        knowledge_base_id: strawberry.ID,
        page: int = 1,
        limit: int = 20,
        status: ProcessingStatus | None = None,
        search: str | None = None,
    ) -> OffsetPage[KbDocument]:
        ctx = info.context
        d = m.KbDocument
        try:
            kb_id = uuid.UUID(str(knowledge_base_id))
        except ValueError:
            kb_id = uuid.UUID(int=0)
        statement = ctx.scope.select(d).where(d.knowledge_base_id == kb_id)
        if status is not None:
            statement = statement.where(d.processing_status == status.value)
        if search:
            statement = statement.where(d.title.ilike(search_pattern(search)))
        return await offset_page(
            ctx.sessions,
            statement,
            d.created_at.desc(),
            d.id.desc(),
            limit=limit,
            offset=_offset(page, limit),
            to_node=lambda row: document_node(row[0]),
        )

    @strawberry.field(description="Programs by page, newest first; `search` in names.")
    async def program_page(
        self,
        info: Info,
        page: int = 1,
        limit: int = 20,
        status: ProgramStatus | None = None,
        search: str | None = None,
    ) -> OffsetPage[Program]:
        ctx = info.context
        p = m.Program
        statement = ctx.scope.select(p)
        if status is not None:
            statement = statement.where(p.status == status.value)
        if search:
            statement = statement.where(p.name.ilike(search_pattern(search)))
        return await offset_page(
            ctx.sessions,
            statement,
            p.created_at.desc(),
            p.id.desc(),
            limit=limit,
            offset=_offset(page, limit),
            to_node=lambda row: from_row(Program, row[0]),
        )

    @strawberry.field(description="End users by page, filtered and sorted.")
    async def end_user_page(
        self,
        info: Info,
        page: int = 1,
        limit: int = 20,
        filter: EndUserFilter | None = None,
        order_by: EndUserSortField = EndUserSortField.CREATED_AT,
        direction: SortDirection = SortDirection.DESC,
    ) -> OffsetPage[EndUser]:
        ctx = info.context
        u = m.EndUser
        statement = ctx.scope.select(u).where(*_end_user_filters(filter or EndUserFilter()))
        sort = _end_user_sort(order_by)
        descending = direction is SortDirection.DESC
        order = [c.desc() if descending else c.asc() for c in (sort.expression, sort.id_column)]
        return await offset_page(
            ctx.sessions,
            statement,
            *order,
            limit=limit,
            offset=_offset(page, limit),
            to_node=lambda row: end_user_node(row[0]),
            count_apart=True,  # 150,000 end users at demo scale 10 (docs/benchmarks.md)
        )
