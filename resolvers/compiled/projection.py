"""A root field whose result is plain data (analytics numbers, summaries): its own resolver
runs, then the selection is read off the result with the schema's own serialisers, without
graphql-core's per-field execution. The planner admits only selections of plain attribute
fields (no field resolvers), so there is nothing else to run.
"""

from __future__ import annotations

import inspect
from typing import Any

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.execution.values import get_argument_values
from strawberry.schema.schema_converter import get_arguments

from resolvers.compiled.sql import NotCompilable
from resolvers.encoded_json import EncodedJSON


class ResolveInfo:
    """What a root resolver may read of `info` on this path: anything else raises
    AttributeError, and the document takes the executor's path."""

    __slots__ = ("context", "field_name", "root_value", "variable_values")

    def __init__(self, context: Any, field_name: str, variables: dict[str, Any]) -> None:
        self.context = context
        self.field_name = field_name
        self.variable_values = variables
        self.root_value = None


async def resolve_root(
    strawberry_schema: Any,
    definition: GraphQLField,
    node: FieldNode,
    variables: dict[str, Any],
    context: Any,
) -> Any:
    """Call the root field's resolver with its arguments converted as Strawberry converts
    them (input objects, enums)."""
    field = definition.extensions["strawberry-definition"]
    info = ResolveInfo(context, node.name.value, variables)
    raw = get_argument_values(definition, node, variables)
    args, kwargs = get_arguments(
        field=field,
        source=None,
        info=info,  # type: ignore[arg-type]
        kwargs=raw,
        config=strawberry_schema.config,
        scalar_registry=strawberry_schema.schema_converter.scalar_registry,
    )
    result = field.base_resolver(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


def project(value: Any, graphql_type: Any, node: FieldNode, planner_collect: Any) -> Any:
    """`value` as the executor would complete it for `node`'s selection."""
    nullable = not isinstance(graphql_type, GraphQLNonNull)
    inner = graphql_type.of_type if not nullable else graphql_type
    if value is None:
        if nullable:
            return None
        raise NotCompilable("null for a non-null field")  # the executor reports it
    if isinstance(inner, GraphQLList):
        return [project(item, inner.of_type, node, planner_collect) for item in value]
    if isinstance(value, EncodedJSON):  # JSON built elsewhere: its bytes go out as they are
        return value.fragment()
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        serialised = inner.serialize(value)
        if serialised is None and not nullable:
            raise NotCompilable("null for a non-null field")
        return serialised
    assert isinstance(inner, GraphQLObjectType)
    out: dict[str, Any] = {}
    for key, sub in planner_collect(node.selection_set, inner):
        name = sub.name.value
        if name == "__typename":
            out[key] = inner.name
            continue
        definition = inner.fields[name]
        python_name = definition.extensions["strawberry-definition"].python_name
        out[key] = project(getattr(value, python_name), definition.type, sub, planner_collect)
    return out
