"""Run a planned document: one SQL statement builds the `data` JSON in PostgreSQL (projected
roots run their resolver), or None, and the caller runs Strawberry's executor instead.

None whenever the answer could differ from the executor's in any way: a field the plan does
not know, a guard the principal fails (the executor words the error), an argument the
resolver would refuse, a variable that does not coerce, the cost limit or budget. So errors
always come from the executor, and data from here equals the executor's data.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLError, specified_rules, validate
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import func
from strawberry.schema.schema_converter import get_arguments

from gateway.input_guard import unstorable
from resolvers.compiled import sql
from resolvers.compiled.planner import ConstantRoot, Plan, ProjectedRoot, SqlRoot, plan_document
from resolvers.compiled.projection import Projector, ResolveInfo, gather_all, resolve_root
from resolvers.compiled.registry import TABLES, RootById, graphql_name
from resolvers.compiled.sql import NotCompilable, Statement, json_object, quote
from resolvers.document_cache import DOCUMENTS, _Bounded
from resolvers.pagination import SortDirection, check_page_size, count_statement, page_statement

log = logging.getLogger(__name__)
_NOT_COMPILABLE = object()
_COLUMN = re.compile(r"\b(t\d+)\.(\w+)")  # the planner's aliases are t0, t1, ...
_PLANS = _Bounded(1024)
_PAGES = _Bounded(4096)  # built page statements by (root, workspace, arguments)


@dataclass(frozen=True)
class Compiled:
    """The `data` of an answer: JSON text from PostgreSQL, or a dict when a root was
    projected in Python."""

    json: bytes | None = None
    data: dict[str, Any] | None = None
    operation_name: str | None = None  # for the request metrics (observability/graphql.py)

    def as_dict(self) -> dict[str, Any]:
        return self.data if self.data is not None else orjson.loads(self.json or b"null")

    def response_body(self) -> bytes:
        data = self.json if self.json is not None else orjson.dumps(self.data)
        return b'{"data":' + data + b"}"


def plan_for(strawberry_schema: Any, query: str, operation_name: str | None) -> Plan | None:
    key = (id(strawberry_schema), query, operation_name)
    plan = _PLANS.get_fresh(key)
    if plan is None:
        plan = _plan(strawberry_schema, query, operation_name)
        _PLANS.put(key, plan)
    return None if plan is _NOT_COMPILABLE else plan


def _plan(strawberry_schema: Any, query: str, operation_name: str | None) -> Any:
    from resolvers.schema import LIMIT_RULES, MAX_TOKENS  # the schema module imports us

    try:
        document = DOCUMENTS.document(query, MAX_TOKENS)
        if validate(strawberry_schema._schema, document, (*specified_rules, *LIMIT_RULES)):
            return _NOT_COMPILABLE
        return plan_document(strawberry_schema._schema, document, operation_name)
    except (NotCompilable, GraphQLError, KeyError, AssertionError) as exc:
        log.debug("not compiled: %r", exc)
        return _NOT_COMPILABLE


async def run_compiled(
    strawberry_schema: Any,
    query: str | None,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    context: Any,
    *,
    protect: bool = True,
) -> Compiled | None:
    """The compiled answer, or None (run the executor). `protect`: apply the executor's
    cost limit and budget (REST routes' fixed operations run without them, as there)."""
    if not query:
        return None
    plan = plan_for(strawberry_schema, query, operation_name)
    if plan is None or not plan.scopes <= context.principal.scopes:
        return None
    try:
        return await _run(strawberry_schema, plan, variables or {}, context, protect)
    except Exception as exc:  # whatever it is, the executor answers it in its own words
        log.debug("compiled path declined: %r", exc)
        return None


async def _run(
    schema: Any, plan: Plan, raw_variables: dict[str, Any], context: Any, protect: bool
) -> Compiled:
    if unstorable(raw_variables):  # the executor refuses them (resolvers/protection.py)
        raise NotCompilable("a variable PostgreSQL cannot store")
    coerced = get_variable_values(
        schema._schema, plan.operation.variable_definitions or (), raw_variables
    )
    if isinstance(coerced, list):
        raise NotCompilable("variables do not coerce")
    if protect and not await _within_cost(schema, plan, raw_variables, context):
        raise NotCompilable("over the cost limit or budget")
    if plan.roots and all(isinstance(root, ConstantRoot) for root in plan.roots):
        # `{ __typename }` (a health probe's query): nothing to ask PostgreSQL
        constant = orjson.dumps({root.key: root.value for root in plan.roots})
        return Compiled(json=constant, operation_name=_name(plan))
    statement = Statement()
    parts: list[tuple[str, str]] = []
    for root in plan.roots:
        if isinstance(root, SqlRoot):
            parts.append((root.key, _root_sql(schema, root, coerced, context, statement)))
        elif isinstance(root, ConstantRoot):
            parts.append((root.key, quote(root.value)))
    text = None
    if parts:
        text = await _fetch(context, f"SELECT ({json_object(parts)})::text", statement.params)
    if plan.all_sql:
        assert text is not None
        return Compiled(json=text.encode(), operation_name=_name(plan))
    from_sql = orjson.loads(text) if text is not None else {}
    projector = Projector(schema, _collector(schema), coerced, context)

    async def projected(root: ProjectedRoot) -> Any:
        value = await resolve_root(schema, root.field, root.node, coerced, context)
        return await projector.project(value, root.field.type, root.node)

    # The projected roots together, as the executor resolves a query's root fields.
    values = await gather_all(
        [projected(r) if isinstance(r, ProjectedRoot) else from_sql[r.key] for r in plan.roots]
    )
    data = {root.key: value for root, value in zip(plan.roots, values, strict=True)}
    return Compiled(data=data, operation_name=_name(plan))


def _name(plan: Plan) -> str | None:
    return plan.operation.name.value if plan.operation.name else None


def _collector(schema: Any) -> Any:
    from resolvers.compiled.planner import _Planner

    return _Planner(schema._schema, {}).collect


@functools.cache
def _cost_rules() -> tuple[Any, Any, int, int]:
    """Imported on first use (resolvers.schema imports this module's callers), then kept:
    an import statement per request was measurable."""
    from resolvers.protection import query_cost, spend_budget
    from resolvers.schema import COST_BUDGET_PER_MINUTE, MAX_QUERY_COST

    return query_cost, spend_budget, MAX_QUERY_COST, COST_BUDGET_PER_MINUTE


async def _within_cost(schema: Any, plan: Plan, variables: dict[str, Any], context: Any) -> bool:
    """The executor's cost limit and per-principal budget (resolvers/protection.py), spent
    here once; the executor does not spend it again if it takes over."""
    query_cost, spend_budget, MAX_QUERY_COST, COST_BUDGET_PER_MINUTE = _cost_rules()
    cost = plan.fixed_cost
    if cost is None:
        cost = query_cost(schema._schema, plan.document, variables)
        if not plan.operation.variable_definitions:
            plan.fixed_cost = cost
    if cost > MAX_QUERY_COST:
        return False
    allowed = await spend_budget(context, cost, COST_BUDGET_PER_MINUTE)
    if allowed:  # refused: the executor spends and refuses with its own error
        context.extras["query_cost_spent"] = True
    return allowed


def _root_sql(
    schema: Any, root: SqlRoot, variables: Any, context: Any, statement: Statement
) -> str:
    node = root.node_sql
    raw = get_argument_values(root.field, root.node, variables)
    if isinstance(root.spec, RootById):
        ws = statement.param(context.workspace_id)
        key = statement.param(str(raw[root.spec.argument]))
        return (
            f"(SELECT {node.expr} FROM {node.table} {node.alias} {node.joins} "
            f"WHERE {node.alias}.workspace_id = {ws} AND {node.alias}.id = {key})"
        )
    page = _page(schema, root, raw, context)
    alias = node.alias
    page_sql = statement.add(page.sql, page.params)
    total = ""
    if any(kind == "totalCount" for _, (kind, _x) in root.connection_fields):
        total = statement.add(page.count_sql, page.count_params)
    cursor = sql.cursor(f"{alias}._sort", f"{alias}._id", page.kind)
    rows = f"FROM _page {alias} {node.joins} WHERE {alias}._n <= {page.size}"
    entries: list[tuple[str, str]] = []
    for key, (kind, detail) in root.connection_fields:
        if kind == "typename":
            entries.append((key, quote(detail)))
        elif kind == "totalCount":
            entries.append((key, f"({total})"))
        elif kind == "nodes":
            entries.append(
                (
                    key,
                    f"coalesce((SELECT json_agg({node.expr} ORDER BY {alias}._n) {rows}), "
                    "'[]'::json)",
                )
            )
        elif kind == "edges":
            edge = [
                (k, quote(n[1]) if isinstance(n, tuple) else node.expr if n == "node" else cursor)
                for k, n in detail
            ]
            entries.append(
                (
                    key,
                    f"coalesce((SELECT json_agg({json_object(edge)} ORDER BY {alias}._n) "
                    f"{rows}), '[]'::json)",
                )
            )
        elif kind == "pageInfo":
            entries.append(
                (key, json_object([(k, _page_info(n, page, cursor, alias)) for k, n in detail]))
            )
    return f"(WITH _page AS ({page_sql}) SELECT {json_object(entries)})"


def _page_info(name: Any, page: _Page, cursor: str, alias: str) -> str:
    if isinstance(name, tuple):
        return quote(name[1])
    if name == "hasNextPage":
        return f"((SELECT count(*) FROM _page) > {page.size})"
    if name == "hasPreviousPage":
        return "true" if page.has_previous else "false"
    if name == "startCursor":
        return f"(SELECT {cursor} FROM _page {alias} WHERE {alias}._n = 1 AND {page.size} > 0)"
    if name == "endCursor":
        last = f"least((SELECT count(*) FROM _page), {page.size})"
        return f"(SELECT {cursor} FROM _page {alias} WHERE {alias}._n = {last})"
    raise NotCompilable(f"pageInfo.{name}")


@dataclass(frozen=True)
class _Page:
    sql: str
    params: list[Any]
    count_sql: str
    count_params: list[Any]
    size: int
    has_previous: bool
    kind: type


def _page(schema: Any, root: SqlRoot, raw: dict[str, Any], context: Any) -> _Page:
    """The root's page and count statements, built by the resolver's own functions once per
    (workspace, arguments): they depend on nothing else."""
    memo = (id(root.spec), context.workspace_id, orjson.dumps(raw, default=str))
    page = _PAGES.get_fresh(memo)
    if page is not None:
        return page
    field = root.field.extensions["strawberry-definition"]
    _, kwargs = get_arguments(
        field=field,
        source=None,
        info=ResolveInfo(context, root.node.name.value, {}),  # type: ignore[arg-type]
        kwargs=raw,
        config=schema.config,
        scalar_registry=schema.schema_converter.scalar_registry,
    )
    statement, sort = root.spec.page(context, kwargs)  # type: ignore[union-attr]
    size = check_page_size(kwargs.get("first"))
    direction = kwargs.get("direction", SortDirection.DESC)
    after = kwargs.get("after")
    table = TABLES[graphql_name(root.spec.node)].model.__table__
    # Only the columns the selection reads travel through the page's sort.
    references = _COLUMN.findall(f"{root.node_sql.expr} {root.node_sql.joins}")
    used = {column for alias, column in references if alias == root.node_sql.alias}
    used |= {"workspace_id", "id"}
    narrowed = statement.with_only_columns(*(c for c in table.c if c.name in used))
    paged = page_statement(narrowed, sort=sort, direction=direction, after=after, size=size)
    descending = direction is SortDirection.DESC
    order = (
        (sort.expression.desc(), sort.id_column.desc())
        if descending
        else (sort.expression.asc(), sort.id_column.asc())
    )
    paged = paged.add_columns(func.row_number().over(order_by=order).label("_n"))
    page_text, page_params = sql.compiled(paged)
    count_text, count_params = sql.compiled(count_statement(statement))
    page = _Page(
        page_text, page_params, count_text, count_params, size, after is not None, sort.kind
    )
    _PAGES.put(memo, page)
    return page


async def _fetch(context: Any, text: str, params: list[Any]) -> str:
    """One statement on one pooled connection, outside any transaction (a read)."""
    engine = context.sessions.kw["bind"]
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return await raw.driver_connection.fetchval(text, *params)
