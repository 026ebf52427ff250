"""Cursor connections (first/after) with keyset pagination on (sort value, id).

Keyset rather than offset: a page deep in a large table costs the same as the first one,
and rows inserted meanwhile never shift a client's next page.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

import orjson
import strawberry
from sqlalchemy import Select, func, literal, select, tuple_

from gateway.database import read_sessions
from resolvers.errors import BadUserInput

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

NodeT = TypeVar("NodeT")


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeT]):
    node: NodeT
    cursor: str


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    _count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="Rows matching the filters, across all pages.")
    async def total_count(self) -> int:
        return await self._count()


@dataclass(frozen=True)
class SortKey:
    """What a connection orders by: a non-null SQL expression and the row's unique id."""

    expression: Any
    id_column: Any
    kind: type = str  # python type of the sort value, to decode cursors


def encode_cursor(value: Any, row_id: Any) -> str:
    raw = orjson.dumps([value, str(row_id)], default=_json_default)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, row_id = orjson.loads(base64.urlsafe_b64decode(padded))
        if kind is datetime:
            value = datetime.fromisoformat(value)
        elif kind is Decimal:
            value = Decimal(str(value))
        elif kind is not str:
            value = kind(value)
        return value, row_id
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise BadUserInput(f"Invalid cursor: {cursor!r}", argument="after") from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def check_page_size(first: int | None) -> int:
    size = DEFAULT_PAGE_SIZE if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise BadUserInput(
            f"`first` must be between 0 and {MAX_PAGE_SIZE}, got {size}", argument="first"
        )
    return size


def page_statement(
    statement: Select[Any],
    *,
    sort: SortKey,
    direction: SortDirection,
    after: str | None,
    size: int,
) -> Select[Any]:
    """`statement` narrowed to one page: after the cursor, in (sort, id) order, `size` + 1
    rows (the extra one says whether a next page exists), with `_sort` and `_id` added.
    Shared by `paginate` and the compiled read path (resolvers/compiled), so both page alike."""
    descending = direction is SortDirection.DESC
    page = statement
    if after is not None:
        value, row_id = decode_cursor(after, sort.kind)
        # The cursor's id is text; bind it as the id column's type (UUID ids compare as uuid).
        bound_id = literal(row_id, type_=sort.id_column.type)
        key, bound = tuple_(sort.expression, sort.id_column), tuple_(value, bound_id)
        page = page.where(key < bound if descending else key > bound)
    order = (
        (sort.expression.desc(), sort.id_column.desc())
        if descending
        else (sort.expression.asc(), sort.id_column.asc())
    )
    page = page.add_columns(sort.expression.label("_sort"), sort.id_column.label("_id"))
    return page.order_by(*order).limit(size + 1)


def count_statement(statement: Select[Any]) -> Select[Any]:
    """The number of rows `statement` matches, across all pages (a connection's totalCount)."""
    return select(func.count()).select_from(statement.order_by(None).subquery())


async def paginate(
    sessions: Any,
    statement: Select[Any],
    *,
    sort: SortKey,
    direction: SortDirection,
    first: int | None,
    after: str | None,
    to_node: Callable[[Any], NodeT],
) -> Connection[NodeT]:
    """Run `statement` as one page; `to_node` turns each result row into a node.

    The sort expression and id are added to the select (as `_sort` and `_id`) for cursors.
    """
    size = check_page_size(first)
    page = page_statement(statement, sort=sort, direction=direction, after=after, size=size)

    reads = read_sessions(sessions)
    async with reads() as session:
        rows: Sequence[Any] = (await session.execute(page)).all()
    edges = [
        Edge(node=to_node(row), cursor=encode_cursor(row._sort, row._id)) for row in rows[:size]
    ]

    async def count() -> int:
        counted = count_statement(statement)
        async with reads() as session:
            return int((await session.execute(counted)).scalar_one())

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )


async def page_of(
    context: Any,
    statement: Select[Any],
    node_type: Callable[..., NodeT],
    *,
    sort: SortKey,
    direction: SortDirection,
    first: int | None,
    after: str | None,
) -> Connection[NodeT]:
    """`paginate` for the common case: each row's first entity becomes a `node_type`."""
    from resolvers.node import from_row

    return await paginate(
        context.sessions,
        statement,
        sort=sort,
        direction=direction,
        first=first,
        after=after,
        to_node=lambda row: from_row(node_type, row[0]),  # type: ignore[arg-type]
    )


@strawberry.type(description="One page of a list by position (the legacy limit/offset).")
class OffsetPage(Generic[NodeT]):
    items: list[NodeT]
    total: int = strawberry.field(description="Rows matching the filters, across all pages.")
    limit: int
    offset: int

    @strawberry.field
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def check_limit(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`limit` must be between 1 and {MAX_PAGE_SIZE}", argument="limit")
    if offset < 0:
        raise BadUserInput("`offset` must not be negative", argument="offset")


async def offset_page(
    sessions: Any,
    statement: Select[Any],
    *order: Any,
    limit: int,
    offset: int,
    to_node: Callable[[Any], NodeT],
    count_apart: bool = False,
) -> OffsetPage[NodeT]:
    """`limit` rows from `offset` in `order`, and the total, in one statement (a second
    counts only when the page is past the end). `count_apart` counts in a statement of its
    own: for large tables, where `count(*) OVER ()` makes PostgreSQL read and sort every
    row, while the page alone walks an index and the count is an index-only scan."""
    check_limit(limit, offset)
    if count_apart:
        counted = statement.with_only_columns(func.count(), maintain_column_froms=True)
        async with sessions() as session:
            rows = (
                await session.execute(statement.order_by(*order).limit(limit).offset(offset))
            ).all()
            total = int((await session.execute(counted)).scalar_one())
        return OffsetPage(
            items=[to_node(row) for row in rows], total=total, limit=limit, offset=offset
        )
    page = statement.add_columns(func.count().over().label("_total"))
    async with sessions() as session:
        rows = (await session.execute(page.order_by(*order).limit(limit).offset(offset))).all()
        if rows:
            total = int(rows[0]._total)
        elif offset:
            counted = select(func.count()).select_from(statement.order_by(None).subquery())
            total = int((await session.execute(counted)).scalar_one())
        else:
            total = 0
    return OffsetPage(items=[to_node(row) for row in rows], total=total, limit=limit, offset=offset)
