"""Query protection: a cost limit per query and a cost budget per principal.

Cost = every field 1, and a field taking `first` or `limit` multiplies the cost of what it
selects by that number (its default when not given). The limit is a validation rule, so
both are checked after validation and before execution starts, so an over-cost query is
refused before any resolver runs. (Not a validation rule: rules would need the request's
variables, and a per-request rule would defeat the validation cache.) The per-minute budget
is shared by all replicas (the rate limiter's storage).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    value_from_ast,
)
from limits import RateLimitItemPerMinute
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from gateway.input_guard import UNSTORABLE, unstorable
from gateway.ratelimit import scaled as _scaled

MULTIPLIER_ARGUMENTS = ("first", "limit")
MAX_DEPTH = 12
INTROSPECTION_DEPTH = 15


def query_cost(schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any]) -> int:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            if root is not None:
                total += _selection_cost(
                    definition.selection_set, root, fragments, variables, schema, 0
                )
    return total


def _selection_cost(
    selections: SelectionSetNode | None,
    parent: GraphQLNamedType,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    schema: Any,
    depth: int,
) -> int:
    if selections is None or depth > 50:
        return 0
    cost = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            cost += _field_cost(selection, parent, fragments, variables, schema, depth)
        elif isinstance(selection, InlineFragmentNode):
            target = (
                schema.get_type(selection.type_condition.name.value)
                if selection.type_condition
                else parent
            )
            cost += _selection_cost(
                selection.selection_set, target or parent, fragments, variables, schema, depth + 1
            )
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                target = schema.get_type(fragment.type_condition.name.value) or parent
                cost += _selection_cost(
                    fragment.selection_set, target, fragments, variables, schema, depth + 1
                )
    return cost


def _field_cost(
    node: FieldNode,
    parent: GraphQLNamedType,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    schema: Any,
    depth: int,
) -> int:
    if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        return 1
    field = parent.fields.get(node.name.value)
    if field is None:
        return 1
    multiplier = 1
    for name in MULTIPLIER_ARGUMENTS:
        argument = field.args.get(name)
        if argument is None:
            continue
        given = next((a for a in node.arguments or () if a.name.value == name), None)
        value = (
            value_from_ast(given.value, argument.type, variables)
            if given
            else argument.default_value
        )
        if isinstance(value, int) and value > 0:
            multiplier = max(multiplier, value)
    child_type = get_named_type(field.type)
    children = _selection_cost(
        node.selection_set, child_type, fragments, variables, schema, depth + 1
    )
    return 1 + multiplier * children


class QueryCostLimiter(SchemaExtension):
    """Refuses queries costing more than `max_cost`, and spends each query's cost from the
    principal's per-minute budget."""

    def __init__(self, *, max_cost: int, budget_per_minute: int) -> None:
        self.max_cost = max_cost
        self.budget_per_minute = budget_per_minute
        self.cost = 0

    async def on_execute(self) -> Any:
        execution = self.execution_context
        if execution.graphql_document is not None and execution.result is None:
            self.cost = query_cost(
                execution.schema._schema, execution.graphql_document, execution.variables or {}
            )
            if self.cost > self.max_cost:
                execution.result = _refused(
                    f"Query cost {self.cost} exceeds the limit of {self.max_cost}; ask for "
                    "fewer items (first/limit) or fewer nested lists",
                    "QUERY_TOO_COMPLEX",
                    self.cost,
                )
                yield
                return
        context = self.execution_context.context
        extras = getattr(context, "extras", {})
        if self.cost > 0 and not extras.get("query_cost_spent"):  # not already spent
            allowed = await spend_budget(context, self.cost, self.budget_per_minute)
            if not allowed:
                self.execution_context.result = _refused(
                    "Query cost budget exhausted for this minute", "RATE_LIMITED", self.cost
                )
        yield


async def spend_budget(context: Any, cost: int, budget_per_minute: int) -> bool:
    """Spend `cost` from the principal's per-minute budget; False when it is exhausted.
    (Shared with the compiled read path, resolvers/compiled, so both spend alike.)"""
    request = getattr(context, "request", None)
    limiter = getattr(getattr(getattr(request, "app", None), "state", None), "rate_limiter", None)
    if limiter is None or cost <= 0 or limiter.scale == 0:
        return True
    principal = context.principal
    identity = f"{principal.kind}:{principal.subject}"
    try:
        budget = _scaled(RateLimitItemPerMinute(budget_per_minute), limiter.scale)
        return await limiter.spend(budget, "graphql-cost", identity, cost=cost)
    except Exception:  # the budget's storage is down: reads fail open (logged there)
        return True


def _refused(message: str, code: str, cost: int) -> ExecutionResult:
    error = GraphQLError(message, extensions={"code": code, "cost": cost})
    return ExecutionResult(data=None, errors=[error])


class DepthLimit(ValidationRule):
    """Depth limit counting every field, introspection included (Strawberry's own limiter
    skips `__schema` and `__type` and everything under them). Depth as Strawberry counts it:
    a leaf is 0, a field with a selection 1 + its deepest child. Introspection root fields
    may go to INTROSPECTION_DEPTH, which the standard introspection query (GraphiQL,
    codegen) needs; everything else to MAX_DEPTH."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        document = context.document
        self._fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            for root in _fields(definition.selection_set, self._fragments, set()):
                limit = INTROSPECTION_DEPTH if root.name.value.startswith("__") else MAX_DEPTH
                if self._depth(root, set()) > limit:
                    name = definition.name.value if definition.name else "anonymous"
                    context.report_error(
                        GraphQLError(
                            f"'{name}' exceeds maximum operation depth of {limit}",
                            [root],
                            extensions={"code": "QUERY_TOO_DEEP"},
                        )
                    )
                    return

    def _depth(self, node: FieldNode, seen: set[str]) -> int:
        if node.selection_set is None:
            return 0
        children = _fields(node.selection_set, self._fragments, seen)
        return 1 + max((self._depth(child, seen) for child in children), default=0)


def _fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], seen: set[str]
) -> list[FieldNode]:
    """The fields of a selection set, through fragments (each fragment once per path)."""
    found: list[FieldNode] = []
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found += _fields(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                found += _fields(fragments[name].selection_set, fragments, seen | {name})
    return found


class StorableText(ValidationRule):
    """String literals in a document must be text PostgreSQL can store (no NUL, no unpaired
    surrogate); variables are checked by StorableVariables, bodies by gateway/input_guard."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if UNSTORABLE.search(node.value):
            self.report_error(
                GraphQLError(
                    "A string contains a NUL character or an unpaired surrogate",
                    [node],
                    extensions={"code": "BAD_USER_INPUT"},
                )
            )


class StorableVariables(SchemaExtension):
    def on_execute(self) -> Any:
        execution = self.execution_context
        if execution.result is None and unstorable(execution.variables or {}):
            execution.result = _refused(
                "A variable contains a NUL character or an unpaired surrogate",
                "BAD_USER_INPUT",
                0,
            )
        yield
