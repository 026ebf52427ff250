"""Permissions: they read only `info.context.principal`.

Every root field of a domain is guarded by the domain's scope (resolvers/schema.py applies
`require_scope` once per domain), so no resolver can forget its check.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission

from resolvers.errors import GatewayError


class Forbidden(GatewayError):
    code = "FORBIDDEN"


class HasScope(BasePermission):
    """For single fields: `@strawberry.field(permission_classes=[HasScope.of("read:revenue")])`."""

    scope = ""
    error_extensions = {"code": "FORBIDDEN"}

    @property
    def message(self) -> str:  # type: ignore[override]
        return f"This needs the '{self.scope}' scope"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.principal.can(self.scope)

    @classmethod
    def of(cls, scope: str) -> type[HasScope]:
        if scope not in _BY_SCOPE:
            _BY_SCOPE[scope] = type(f"HasScope_{scope.replace(':', '_')}", (cls,), {"scope": scope})
        return _BY_SCOPE[scope]


_BY_SCOPE: dict[str, type[HasScope]] = {}


class ScopeGuard(FieldExtension):
    """Refuses the field (FORBIDDEN) unless the principal holds `scope`. Its parameters are
    positional-only, so a GraphQL argument may be called `source` or `info`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def _check(self, info: Any) -> None:
        if not info.context.principal.can(self.scope):
            raise Forbidden(f"This needs the '{self.scope}' scope")

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, /, **kwargs: Any) -> Any:
        self._check(info)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, /, **kwargs: Any
    ) -> Any:
        self._check(info)
        result = next_(source, info, **kwargs)
        if isinstance(result, AsyncIterator):  # a subscription's event stream
            return result
        return await result


def require_scope(root: type, scope: str) -> None:
    """Guard every field of a root type (one domain's Query, Mutation or Subscription)."""
    for field in root.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        field.extensions.append(ScopeGuard(scope))


ADMIN_ROLES = frozenset({"owner", "admin"})


class IsAdmin(BasePermission):
    """For fields only a workspace's owners and admins may use (API keys never are)."""

    message = "This needs an admin role in the workspace"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal.kind != "api_key" and principal.role in ADMIN_ROLES


def field_scopes(field: Any) -> frozenset[str]:
    """The scopes a schema field (a graphql-core GraphQLField) declares: its domain's guard
    and any `HasScope` permission of its own."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None:
        return frozenset()
    guarded = {e.scope for e in definition.extensions if isinstance(e, ScopeGuard)}
    permitted = {
        p.scope
        for p in definition.permission_classes
        if isinstance(p, type) and issubclass(p, HasScope)
    }
    return frozenset(guarded | permitted)


def document_scopes(schema: GraphQLSchema, document: DocumentNode) -> frozenset[str]:
    """Every scope the fields an operation selects declare (a REST route running it needs all
    of them, so the route and the graph refuse the same principals)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    found: set[str] = set()

    def walk(selections: SelectionSetNode | None, parent: Any) -> None:
        if selections is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                field = parent.fields.get(selection.name.value)
                if field is not None:
                    found.update(field_scopes(field))
                    walk(selection.selection_set, get_named_type(field.type))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                walk(
                    selection.selection_set,
                    schema.get_type(condition.name.value) if condition else parent,
                )
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    target = schema.get_type(fragment.type_condition.name.value)
                    walk(fragment.selection_set, target)

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            walk(definition.selection_set, schema.get_root_type(definition.operation))
    return frozenset(found)


def root_field_scopes(schema: GraphQLSchema, operation: str, name: str) -> frozenset[str]:
    """The scopes of one root field, e.g. ("mutation", "uploadData")."""
    root = {"query": schema.query_type, "mutation": schema.mutation_type}[operation]
    assert root is not None and name in root.fields, f"{operation} {name} is not in the schema"
    return field_scopes(root.fields[name])
