"""What the compiled read path knows how to build in SQL, declared next to each type.

A type is compiled from one table (`table`): its plain fields are that table's columns of
the same name. A field with a resolver is compiled only if declared here, as one of:
  - `Aggregate`: a per-item total read from a rollup table keyed by the item's id
    (a missing row reads as the resolver's default);
  - `ToOne`: the row of another compiled type whose id this row holds;
  - `ToMany`: rows of another compiled type pointing at this one, ordered, at most `limit`.
Root fields: `connection` (a cursor connection whose statement and sort the resolver's own
functions build) and `by_id` (one row by id, as the node loaders read it). Anything not
declared makes the document fall back to the executor, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Aggregate:
    table: Any  # the rollup model
    key: str  # its column holding the item's id
    column: str
    default: Any = 0


@dataclass(frozen=True)
class ToOne:
    target: type  # a compiled Strawberry type
    via: str  # this row's column holding the target's id


@dataclass(frozen=True)
class ToMany:
    target: type
    parent_column: str  # the target's column holding this row's id
    order_by: tuple[Any, ...]  # SQLAlchemy order expressions (the resolver's own)
    limit_argument: str = "limit"
    default_limit: int = 20
    max_limit: int = 100


@dataclass
class Table:
    model: Any
    columns: dict[str, str] = field(default_factory=dict)  # Python field name -> column
    fields: dict[str, Aggregate | ToOne | ToMany] = field(default_factory=dict)


@dataclass(frozen=True)
class RootConnection:
    node: type
    # (context, converted arguments) -> (the resolver's statement, its SortKey)
    page: Callable[[Any, dict[str, Any]], tuple[Any, Any]]


@dataclass(frozen=True)
class RootById:
    node: type
    argument: str = "id"


TABLES: dict[str, Table] = {}  # GraphQL type name -> its table
ROOTS: dict[str, RootConnection | RootById] = {}  # Query field name -> how to read it


def graphql_name(cls: type) -> str:
    return cls.__strawberry_definition__.name  # type: ignore[attr-defined]


def table(cls: type, model: Any, **fields: Aggregate | ToOne | ToMany) -> None:
    """Compile `cls` from `model`: plain fields by column, `fields` by GraphQL name."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    columns = set(model.__table__.c.keys())
    plain = {
        f.python_name: f.python_name
        for f in definition.fields
        if f.base_resolver is None and f.python_name in columns
    }
    TABLES[definition.name] = Table(model, plain, dict(fields))


def connection(
    root: type, field_name: str, node: type, page: Callable[[Any, dict[str, Any]], Any]
) -> None:
    del root  # documents the owner; root fields are all on Query
    ROOTS[field_name] = RootConnection(node, page)


def by_id(root: type, field_name: str, node: type, argument: str = "id") -> None:
    del root
    ROOTS[field_name] = RootById(node, argument)
