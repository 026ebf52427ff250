"""Coaching creator hub (spec 002), part 1: knowledge bases, their documents and chunks.

Programs, enrollments and end users are in coaching_people.py; channels, interactions and
proactive rules in coaching_channels.py. Spec 002 ids are UUIDs: rows carry uuid.UUID ids
(loaders are keyed by them) and the graph shows them as ID strings.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry.scalars import JSON

from models import coaching as m
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, page_of, paginate

GroupFetch = Callable[[Any, list[Any], str], Awaitable[list[Any]]]


def parse_uuid(value: str, argument: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadUserInput(
            f"`{argument}` must be a UUID, got {value!r}", argument=argument
        ) from None


def grouped(model: Any, column: str, **aggregates: Any) -> GroupFetch:
    """A loader fetch: `aggregates` over `model` rows grouped by `column`, one row per key
    (None where a key has no rows), in one statement for a whole page of keys."""

    async def fetch(session: Any, keys: list[Any], workspace_id: str) -> list[Any]:
        key = getattr(model, column)
        statement = (
            select(key.label("_key"), *(agg.label(name) for name, agg in aggregates.items()))
            .where(model.workspace_id == workspace_id, key.in_(set(keys)))
            .group_by(key)
        )
        found = {row._key: row for row in (await session.execute(statement)).all()}
        return [found.get(k) for k in keys]

    return fetch


def ratio(part: int, whole: int) -> float | None:
    """A share in 0..1; None when there is nothing to divide (0 of 0 is not 0%)."""
    return round(part / whole, 4) if whole else None


def search_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


_KB_TOTALS = grouped(
    m.KbDocument,
    "knowledge_base_id",
    documents=func.count(),
    size=func.coalesce(func.sum(m.KbDocument.file_size_bytes), 0),
)
_CHUNK_COUNTS = grouped(m.KbDocumentChunk, "document_id", chunks=func.count())


@strawberry.enum
class ProcessingStatus(Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


@strawberry.type
class DocumentChunk:
    id: strawberry.ID
    chunk_index: int
    content: str
    metadata: JSON


@strawberry.type
class KbDocument(Node):
    id: strawberry.ID
    knowledge_base_id: strawberry.ID
    title: str
    content: str | None
    file_type: str
    file_size_bytes: float = strawberry.field(description="Bytes (a Float: may exceed 2^31).")
    processing_status: str
    metadata: JSON
    created_at: datetime
    processed_at: datetime | None

    @strawberry.field
    async def chunk_count(self, info: Info) -> int:
        row = await info.context.loaders.custom("coaching.chunk_counts", _CHUNK_COUNTS).load(
            self.id
        )
        return row.chunks if row else 0

    @strawberry.field(description="The document's chunks in order (at most `limit`).")
    async def chunks(self, info: Info, limit: int = 100) -> list[DocumentChunk]:
        loader = info.context.loaders.children(
            m.KbDocumentChunk,
            "document_id",
            order_by=m.KbDocumentChunk.chunk_index,
            limit=max(0, min(limit, 1000)),
        )
        return [
            from_row(DocumentChunk, row, metadata=row.meta) for row in await loader.load(self.id)
        ]


def document_node(row: m.KbDocument) -> KbDocument:
    return from_row(KbDocument, row, metadata=row.meta)


@strawberry.type
class KnowledgeBase(Node):
    id: strawberry.ID
    name: str
    description: str | None
    settings: JSON
    created_at: datetime

    async def _totals(self, info: Info) -> Any:
        return await info.context.loaders.custom("coaching.kb_totals", _KB_TOTALS).load(self.id)

    @strawberry.field
    async def document_count(self, info: Info) -> int:
        row = await self._totals(info)
        return row.documents if row else 0

    @strawberry.field(description="Bytes of all documents together.")
    async def total_size_bytes(self, info: Info) -> float:
        row = await self._totals(info)
        return float(row.size) if row else 0.0

    @strawberry.field(description="Newest first; `search` looks in titles.")
    async def documents(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: ProcessingStatus | None = None,
        search: str | None = None,
    ) -> Connection[KbDocument]:
        ctx = info.context
        d = m.KbDocument
        statement = ctx.scope.select(d).where(d.knowledge_base_id == self.id)
        if status is not None:
            statement = statement.where(d.processing_status == status.value)
        if search:
            statement = statement.where(d.title.ilike(search_pattern(search)))
        return await paginate(
            ctx.sessions,
            statement,
            sort=SortKey(d.created_at, d.id, datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
            to_node=lambda row: document_node(row[0]),
        )


@strawberry.type
class Query:
    @strawberry.field
    async def knowledge_base(self, info: Info, id: strawberry.ID) -> KnowledgeBase | None:
        return await _knowledge_base(info, parse_uuid(id))

    @strawberry.field(description="Knowledge bases, newest first; `search` looks in names.")
    async def knowledge_bases(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        search: str | None = None,
    ) -> Connection[KnowledgeBase]:
        ctx = info.context
        kb = m.KnowledgeBase
        statement = ctx.scope.select(kb)
        if search:
            statement = statement.where(kb.name.ilike(search_pattern(search)))
        return await page_of(
            ctx,
            statement,
            KnowledgeBase,
            sort=SortKey(kb.created_at, kb.id, datetime),
            direction=SortDirection.DESC,
            first=first,
            after=after,
        )

    @strawberry.field
    async def kb_document(self, info: Info, id: strawberry.ID) -> KbDocument | None:
        return await _document(info, parse_uuid(id))


async def _knowledge_base(info: Info, key: uuid.UUID) -> KnowledgeBase | None:
    row = await info.context.loaders.by_id(m.KnowledgeBase).load(key)
    return from_row(KnowledgeBase, row) if row else None


async def _document(info: Info, key: uuid.UUID) -> KbDocument | None:
    row = await info.context.loaders.by_id(m.KbDocument).load(key)
    return document_node(row) if row else None


def uuid_node(fetch: Callable[[Info, uuid.UUID], Awaitable[Any]]) -> Any:
    """node(id:) hands over a string already known to be a UUID."""

    async def resolve(info: Info, node_id: str) -> Any:
        return await fetch(info, uuid.UUID(node_id))

    return resolve


register_node(None, uuid_node(_knowledge_base))
register_node(None, uuid_node(_document))
