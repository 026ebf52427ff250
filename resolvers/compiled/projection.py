"""A root field whose result is Python data (analytics numbers, summaries, offset pages of
rows): its own resolver runs, then the selection is read off the result with the schema's own
serialisers, without graphql-core's per-field execution. A selected field with a resolver of
its own (a per-item total through a loader, a computed flag) has that resolver called with
the same arguments Strawberry would give it; the resolvers of one list level are awaited
together, so their loaders batch as they do under the executor.

Any exception, from a resolver or from completion, declines the whole document: the executor
then answers it, errors included, in its own words.
"""

from __future__ import annotations

import asyncio
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
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema_converter import get_arguments

from resolvers.compiled.sql import NotCompilable
from resolvers.encoded_json import EncodedJSON


class ResolveInfo:
    """What a resolver may read of `info` on this path: anything else raises
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
    result = call_resolver(strawberry_schema, definition, node, None, variables, context)
    return await result if optimized_is_awaitable(result) else result


def call_resolver(
    strawberry_schema: Any,
    definition: GraphQLField,
    node: FieldNode,
    source: Any,
    variables: dict[str, Any],
    context: Any,
) -> Any:
    """The field's resolver called on `source` as Strawberry calls it (self, root, info and
    converted arguments); its result, possibly awaitable."""
    field = definition.extensions["strawberry-definition"]
    info = ResolveInfo(context, node.name.value, variables)
    raw = get_argument_values(definition, node, variables)
    args, kwargs = get_arguments(
        field=field,
        source=source,
        info=info,  # type: ignore[arg-type]
        kwargs=raw,
        config=strawberry_schema.config,
        scalar_registry=strawberry_schema.schema_converter.scalar_registry,
    )
    return field.base_resolver(*args, **kwargs)


class Projector:
    """Completes values for one request: plain fields read off the object, fields with a
    resolver called. A completion is its value, or an awaitable when a resolver below it is
    asynchronous; one level's awaitables are awaited together."""

    def __init__(
        self, strawberry_schema: Any, collect: Any, variables: dict[str, Any], context: Any
    ) -> None:
        self.schema = strawberry_schema
        self.collect = collect
        self.variables = variables
        self.context = context
        self._fields: dict[tuple[int, str], list[tuple[str, FieldNode]]] = {}

    def fields(self, node: FieldNode, parent: GraphQLObjectType) -> list[tuple[str, FieldNode]]:
        """`node`'s selection on `parent` by response key, collected once per request (not
        once per item of a list)."""
        key = (id(node), parent.name)
        found = self._fields.get(key)
        if found is None:
            found = self._fields[key] = self.collect(node.selection_set, parent)
        return found

    async def project(self, value: Any, graphql_type: Any, node: FieldNode) -> Any:
        """`value` as the executor would complete it for `node`'s selection."""
        result = self.complete(value, graphql_type, node)
        return await result if optimized_is_awaitable(result) else result

    def complete(self, value: Any, graphql_type: Any, node: FieldNode) -> Any:
        if optimized_is_awaitable(value):
            return self._resolved(value, graphql_type, node)
        nullable = not isinstance(graphql_type, GraphQLNonNull)
        inner = graphql_type.of_type if not nullable else graphql_type
        if value is None:
            if nullable:
                return None
            raise NotCompilable("null for a non-null field")  # the executor reports it
        if isinstance(value, EncodedJSON):  # JSON built elsewhere: its bytes go out as they are
            return value.fragment()
        if isinstance(inner, GraphQLList):
            items: list[Any] = []
            try:
                for item in value:
                    items.append(self.complete(item, inner.of_type, node))
            except Exception as exc:
                return _failed(items, exc)
            return _all(items, list)
        if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
            serialised = inner.serialize(value)
            if serialised is None and not nullable:
                raise NotCompilable("null for a non-null field")
            return serialised
        assert isinstance(inner, GraphQLObjectType)
        keys: list[str] = []
        values: list[Any] = []
        try:
            for key, sub in self.fields(node, inner):
                keys.append(key)
                values.append(self._field(value, inner, sub))
        except Exception as exc:
            return _failed(values, exc)
        return _all(values, lambda done: dict(zip(keys, done, strict=True)))

    def _field(self, parent: Any, parent_type: GraphQLObjectType, node: FieldNode) -> Any:
        name = node.name.value
        if name == "__typename":
            return parent_type.name
        definition = parent_type.fields[name]
        field = definition.extensions["strawberry-definition"]
        if field.base_resolver is None:
            child = getattr(parent, field.python_name)
        else:
            child = call_resolver(
                self.schema, definition, node, parent, self.variables, self.context
            )
        return self.complete(child, definition.type, node)

    async def _resolved(self, awaitable: Any, graphql_type: Any, node: FieldNode) -> Any:
        return await self.project(await awaitable, graphql_type, node)


def _all(items: list[Any], build: Any) -> Any:
    """`build(items)`, or an awaitable of it when some items are awaitable: those are
    awaited together (so loaders batch), and every one finishes before an exception is
    raised, so nothing of this request runs on afterwards."""
    waiting = [i for i, item in enumerate(items) if optimized_is_awaitable(item)]
    if not waiting:
        return build(items)

    async def gathered() -> Any:
        done = await asyncio.gather(*(items[i] for i in waiting), return_exceptions=True)
        for i, result in zip(waiting, done, strict=True):
            if isinstance(result, BaseException):
                raise result
            items[i] = result
        return build(items)

    return gathered()


async def gather_all(items: list[Any]) -> list[Any]:
    """The items, those that are awaitable awaited together (as `_all`)."""
    result = _all(items, list)
    return await result if optimized_is_awaitable(result) else result


def _failed(items: list[Any], exc: Exception) -> Any:
    """Raise `exc`, after the awaitables already started at this level have finished (as
    an awaitable itself when there are any)."""
    waiting = [item for item in items if optimized_is_awaitable(item)]
    if not waiting:
        raise exc

    async def drained() -> Any:
        await asyncio.gather(*waiting, return_exceptions=True)
        raise exc

    return drained()
