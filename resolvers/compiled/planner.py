"""Plan a validated document once: each root field becomes SQL (a compiled table root), a
projection of its resolver's plain result (resolvers/compiled/projection.py), or a constant
(`__typename`). Anything the planner does not know raises NotCompilable, and the document
takes the executor's path.

Nested SQL is fixed per document (nested arguments must be literals); only a root's page
(its filters, sort and cursor, from variables) is built per request.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    value_from_ast,
)

from resolvers.compiled import sql
from resolvers.compiled.registry import (
    ROOTS,
    TABLES,
    Aggregate,
    RootById,
    RootConnection,
    ToMany,
    ToOne,
    graphql_name,
)
from resolvers.compiled.sql import NotCompilable, json_object, quote
from resolvers.permissions import HasScope, ScopeGuard


@dataclass
class NodeSql:
    """A compiled object at alias `alias`: its JSON expression and the joins it needs."""

    alias: str
    table: str
    expr: str
    joins: str


@dataclass
class SqlRoot:
    key: str
    field: GraphQLField
    node: FieldNode
    spec: RootConnection | RootById
    node_sql: NodeSql
    connection_type: str = ""
    # response key -> what it is, for a connection's own fields
    connection_fields: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class ProjectedRoot:
    key: str
    field: GraphQLField
    node: FieldNode


@dataclass
class ConstantRoot:
    key: str
    value: str


@dataclass
class Plan:
    document: DocumentNode
    operation: OperationDefinitionNode
    roots: list[SqlRoot | ProjectedRoot | ConstantRoot]
    scopes: frozenset[str]  # every scope a selected field's guard asks for
    # the query cost of a document without variables, which cannot change between requests
    fixed_cost: int | None = None

    @property
    def all_sql(self) -> bool:
        return not any(isinstance(r, ProjectedRoot) for r in self.roots)


def plan_document(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> Plan:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or (operation_name is None and len(operations) != 1):
        raise NotCompilable("no single operation")
    operation = chosen[0]
    if operation.operation is not OperationType.QUERY or operation.directives:
        raise NotCompilable("not a plain query")
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    planner = _Planner(schema, fragments)
    query = schema.query_type
    assert query is not None
    roots: list[SqlRoot | ProjectedRoot | ConstantRoot] = []
    for key, node in planner.collect(operation.selection_set, query):
        name = node.name.value
        if name == "__typename":
            roots.append(ConstantRoot(key, query.name))
            continue
        definition = query.fields[name]
        planner.guard(definition)
        spec = ROOTS.get(name)
        if spec is not None:
            roots.append(planner.sql_root(key, definition, node, spec))
        else:
            planner.projectable(definition.type, node.selection_set)
            roots.append(ProjectedRoot(key, definition, node))
    return Plan(document, operation, roots, frozenset(planner.scopes))


class _Planner:
    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]):
        self.schema = schema
        self.fragments = fragments
        self.scopes: set[str] = set()
        self._aliases = itertools.count()

    def alias(self) -> str:
        return f"t{next(self._aliases)}"

    def collect(
        self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType
    ) -> list[tuple[str, FieldNode]]:
        """Fields by response key, fragments on `parent` itself flattened. Directives, other
        type conditions and a key selected twice are not compiled."""
        if selection_set is None:
            raise NotCompilable("no selection")
        out: list[tuple[str, FieldNode]] = []
        for selection in selection_set.selections:
            if selection.directives:
                raise NotCompilable("directives")
            if isinstance(selection, FieldNode):
                out.append(((selection.alias or selection.name).value, selection))
                continue
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
                if fragment.directives:
                    raise NotCompilable("directives")
            else:
                assert isinstance(selection, InlineFragmentNode)
                condition, inner = selection.type_condition, selection.selection_set
            if condition is not None and condition.name.value != parent.name:
                raise NotCompilable("a fragment on another type")
            out.extend(self.collect(inner, parent))
        keys = [k for k, _ in out]
        if len(set(keys)) != len(keys):
            raise NotCompilable("a response key selected twice")
        return out

    def guard(self, definition: GraphQLField) -> None:
        """Collect the scopes the field's guards ask for; any other guard is not compiled."""
        strawberry_field = definition.extensions.get("strawberry-definition")
        if strawberry_field is None:
            raise NotCompilable("not a Strawberry field")
        for permission in strawberry_field.permission_classes:
            if not (isinstance(permission, type) and issubclass(permission, HasScope)):
                raise NotCompilable(f"permission {permission}")
            self.scopes.add(permission.scope)
        for extension in strawberry_field.extensions:
            if isinstance(extension, ScopeGuard):
                self.scopes.add(extension.scope)
            elif type(extension).__name__ != "PermissionExtension":
                raise NotCompilable(f"field extension {extension}")

    # -- projection: a resolver's result of plain fields -----------------------------------
    def projectable(self, graphql_type: Any, selection_set: SelectionSetNode | None) -> None:
        inner = _unwrap(graphql_type)
        if isinstance(inner, GraphQLObjectType):
            for _, node in self.collect(selection_set, inner):
                if node.name.value == "__typename":
                    continue
                definition = inner.fields[node.name.value]
                strawberry_field = definition.extensions.get("strawberry-definition")
                if strawberry_field is None:
                    raise NotCompilable(f"{inner.name}.{node.name.value} is not Strawberry's")
                if node.arguments and strawberry_field.base_resolver is None:
                    raise NotCompilable("arguments on a plain field")
                # A field's resolver runs as the executor would run it (projection.py).
                self.guard(definition)
                self.projectable(definition.type, node.selection_set)
        elif not hasattr(inner, "serialize"):  # interfaces, unions
            raise NotCompilable(str(inner))
        elif selection_set is not None:
            raise NotCompilable("a selection on a leaf")

    # -- SQL --------------------------------------------------------------------------------
    def sql_root(self, key: str, definition: GraphQLField, node: FieldNode, spec: Any) -> SqlRoot:
        node_type = self.schema.get_type(graphql_name(spec.node))
        assert isinstance(node_type, GraphQLObjectType)
        if isinstance(spec, RootById):
            return SqlRoot(
                key, definition, node, spec, self.node_sql(node_type, node.selection_set)
            )
        connection_type = _unwrap(definition.type)
        assert isinstance(connection_type, GraphQLObjectType)
        fields: list[tuple[str, Any]] = []
        node_sql: NodeSql | None = None
        alias = self.alias()
        for sub_key, sub in self.collect(node.selection_set, connection_type):
            name = sub.name.value
            if name == "__typename":
                fields.append((sub_key, ("typename", connection_type.name)))
            elif name == "totalCount":
                fields.append((sub_key, ("totalCount", None)))
            elif name == "nodes":
                node_sql = self._same_node(node_sql, node_type, sub.selection_set, alias)
                fields.append((sub_key, ("nodes", None)))
            elif name == "edges":
                edge_type = _unwrap(connection_type.fields["edges"].type)
                edge: list[tuple[str, Any]] = []
                for edge_key, edge_node in self.collect(sub.selection_set, edge_type):
                    edge_name = edge_node.name.value
                    if edge_name == "node":
                        node_sql = self._same_node(
                            node_sql, node_type, edge_node.selection_set, alias
                        )
                    elif edge_name == "__typename":
                        edge_name = ("typename", edge_type.name)
                    edge.append((edge_key, edge_name))
                fields.append((sub_key, ("edges", edge)))
            elif name == "pageInfo":
                info_type = _unwrap(connection_type.fields["pageInfo"].type)
                info = [
                    (
                        k,
                        n.name.value
                        if n.name.value != "__typename"
                        else ("typename", info_type.name),
                    )
                    for k, n in self.collect(sub.selection_set, info_type)
                ]
                fields.append((sub_key, ("pageInfo", info)))
            else:
                raise NotCompilable(f"connection field {name}")
        if node_sql is None:
            table = TABLES.get(node_type.name)
            if table is None:
                raise NotCompilable(node_type.name)
            node_sql = NodeSql(alias, table.model.__tablename__, "NULL", "")
        return SqlRoot(key, definition, node, spec, node_sql, connection_type.name, fields)

    def _same_node(
        self, known: NodeSql | None, node_type: GraphQLObjectType, selection: Any, alias: str
    ) -> NodeSql:
        if known is not None:
            raise NotCompilable("nodes and edges both selected")
        return self.node_sql(node_type, selection, alias)

    def node_sql(
        self, graphql_type: GraphQLObjectType, selection_set: Any, alias: str | None = None
    ) -> NodeSql:
        table = TABLES.get(graphql_type.name)
        if table is None:
            raise NotCompilable(f"{graphql_type.name} is not compiled")
        alias = alias or self.alias()
        entries: list[tuple[str, str]] = []
        joins: list[str] = []
        rollups: dict[Any, str] = {}
        for key, node in self.collect(selection_set, graphql_type):
            name = node.name.value
            if name == "__typename":
                entries.append((key, quote(graphql_type.name)))
                continue
            definition = graphql_type.fields[name]
            self.guard(definition)
            python_name = definition.extensions["strawberry-definition"].python_name
            column = table.columns.get(python_name)
            if column is not None and name not in table.fields:
                if node.arguments:
                    raise NotCompilable("arguments on a column")
                entries.append((key, sql.scalar(f"{alias}.{column}", definition.type)))
                continue
            spec = table.fields.get(name)
            if isinstance(spec, Aggregate):
                rollup = rollups.get(spec.table)
                if rollup is None:
                    rollup = rollups[spec.table] = self.alias()
                    joins.append(
                        f"LEFT JOIN {spec.table.__tablename__} {rollup} ON "
                        f"{rollup}.workspace_id = {alias}.workspace_id AND "
                        f"{rollup}.{spec.key} = {alias}.id"
                    )
                value = f"coalesce({rollup}.{spec.column}, {spec.default!r})"
                entries.append((key, sql.scalar(value, definition.type)))
            elif isinstance(spec, ToOne):
                target = self._target(spec.target)
                inner = self.node_sql(target, node.selection_set)
                entries.append(
                    (
                        key,
                        f"(SELECT {inner.expr} FROM {inner.table} {inner.alias} {inner.joins} "
                        f"WHERE {inner.alias}.workspace_id = {alias}.workspace_id "
                        f"AND {inner.alias}.id = {alias}.{spec.via})",
                    )
                )
            elif isinstance(spec, ToMany):
                entries.append((key, self._to_many(spec, definition, node, alias)))
            else:
                raise NotCompilable(f"{graphql_type.name}.{name}")
        return NodeSql(alias, table.model.__tablename__, json_object(entries), " ".join(joins))

    def _target(self, cls: type) -> GraphQLObjectType:
        target = self.schema.get_type(graphql_name(cls))
        assert isinstance(target, GraphQLObjectType)
        return target

    def _to_many(self, spec: ToMany, definition: GraphQLField, node: FieldNode, alias: str) -> str:
        limit = spec.default_limit
        for argument in node.arguments:
            if argument.name.value != spec.limit_argument:
                raise NotCompilable(f"argument {argument.name.value}")
            limit = _literal(argument.value, definition.args[spec.limit_argument].type)
        limit = max(0, min(int(limit), spec.max_limit))  # as the resolver clamps it
        inner = self.node_sql(self._target(spec.target), node.selection_set)
        order = sql.order_sql(spec.order_by, inner.alias)
        rows = self.alias()
        return (
            f"(SELECT coalesce(json_agg({rows}.j ORDER BY {rows}.n), '[]'::json) FROM "
            f"(SELECT {inner.expr} AS j, row_number() OVER (ORDER BY {order}) AS n "
            f"FROM {inner.table} {inner.alias} {inner.joins} "
            f"WHERE {inner.alias}.workspace_id = {alias}.workspace_id "
            f"AND {inner.alias}.{spec.parent_column} = {alias}.id "
            f"ORDER BY {order} LIMIT {limit}) {rows})"
        )


def _literal(value: ValueNode, graphql_type: Any) -> Any:
    if isinstance(value, VariableNode):
        raise NotCompilable("a variable in a nested argument")
    result = value_from_ast(value, graphql_type)
    if not isinstance(result, int):
        raise NotCompilable("not an integer")
    return result


def _unwrap(graphql_type: Any) -> Any:
    while isinstance(graphql_type, GraphQLNonNull | GraphQLList):
        graphql_type = graphql_type.of_type
    return graphql_type
