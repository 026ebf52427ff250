"""SQL fragments that render values exactly as the executor serialises them.

Each function returns SQL text for PostgreSQL to build a JSON value: a scalar as Strawberry
would print it (DateTime as Python's isoformat, Decimal as its text), a cursor as
resolvers/pagination.py encodes it, and statements compiled once per SQLAlchemy cache key.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLScalarType, GraphQLType
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.operators import desc_op

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
_COMPILED: dict[Any, Any] = {}
_MAX_COMPILED = 2048
_PARAM = re.compile(r"\$(\d+)")


class NotCompilable(Exception):
    """This document (or request) takes the executor's path."""


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def iso_datetime(expr: str) -> str:
    """A timestamptz as datetime.isoformat() prints it in UTC (microseconds only if any)."""
    utc = f"({expr} AT TIME ZONE 'UTC')"
    return (
        f"CASE WHEN {expr} IS NULL THEN NULL ELSE "
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN date_part('microseconds', {expr})::bigint % 1000000 = 0 THEN '' "
        f"ELSE to_char({utc}, '.US') END || '+00:00' END"
    )


def scalar(expr: str, graphql_type: GraphQLType) -> str:
    """`expr` rendered as the executor would serialise a value of `graphql_type`."""
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(inner, GraphQLList):
        item = inner.of_type.of_type if isinstance(inner.of_type, GraphQLNonNull) else inner.of_type
        if isinstance(item, GraphQLScalarType) and item.name in ("String", "ID"):
            return f"to_json({expr})"
        raise NotCompilable(f"list of {item}")
    if not isinstance(inner, GraphQLScalarType):
        raise NotCompilable(str(inner))
    name = inner.name
    if name in ("String", "Int", "Boolean"):
        return expr
    if name == "ID":
        return f"({expr})::text"
    if name == "DateTime":
        return iso_datetime(expr)
    if name == "Decimal":
        return f"({expr})::text"
    raise NotCompilable(name)  # Float, JSON, enums...: printed by Python, not compiled


def json_object(entries: list[tuple[str, str]]) -> str:
    if len(entries) > 50:  # json_build_object takes at most 100 arguments
        raise NotCompilable("more than 50 fields in one object")
    if not entries:
        raise NotCompilable("an empty selection")
    return "json_build_object(" + ", ".join(f"{quote(k)}, {v}" for k, v in entries) + ")"


def cursor(sort_expr: str, id_expr: str, kind: type) -> str:
    """resolvers/pagination.py:encode_cursor in SQL: base64url of `[value,"id"]`, unpadded."""
    if kind is int:
        value = f"({sort_expr})::text"
    elif kind is datetime:
        value = "'\"' || " + iso_datetime(sort_expr) + " || '\"'"
    elif kind is Decimal:
        value = f"'\"' || ({sort_expr})::text || '\"'"
    else:
        value = f"to_json(({sort_expr})::text)::text"
    raw = f"'[' || {value} || ',' || to_json(({id_expr})::text)::text || ']'"
    return f"rtrim(translate(encode(convert_to({raw}, 'UTF8'), 'base64'), E'+/\\n', '-_'), '=')"


def order_sql(expressions: tuple[Any, ...], alias: str) -> str:
    """The resolver's SQLAlchemy order expressions, on `alias`'s columns."""
    parts = []
    for expression in expressions:
        descending = isinstance(expression, UnaryExpression) and expression.modifier is desc_op
        column = expression.element if isinstance(expression, UnaryExpression) else expression
        parts.append(f"{alias}.{column.name} {'DESC' if descending else 'ASC'}")
    return ", ".join(parts)


def compiled(statement: Any) -> tuple[str, list[Any]]:
    """`statement` as asyncpg SQL and its positional values, compiled once per shape (the
    SQLAlchemy cache key); only the values are extracted per request."""
    key = statement._generate_cache_key()
    entry = _COMPILED.get(key.key)
    if entry is None:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        done = statement.compile(dialect=_DIALECT, cache_key=key)
        entry = _COMPILED[key.key] = (
            done.string,
            tuple(done.positiontup or ()),
            done._bind_processors,
            done,
        )
    text, names, processors, done = entry
    values = done.construct_params(extracted_parameters=key.bindparams)
    out = []
    for name in names:
        value = values[name]
        processor = processors.get(name)
        out.append(processor(value) if processor is not None else value)
    return text, out


class Statement:
    """One SQL text assembled from parts, each with its own $1..$n, renumbered in order."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def add(self, text: str, params: list[Any]) -> str:
        offset = len(self.params)
        self.params.extend(params)
        if not offset:
            return text
        return _PARAM.sub(lambda m: f"${int(m.group(1)) + offset}", text)

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"
