"""The differential check: a query answered by the compiled read path must equal, key order
and number types included, what Strawberry's executor answers on the same data and principal."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import orjson

from gateway.principal import Principal
from models.base import new_id
from resolvers.compiled.executor import run_compiled
from resolvers.context import build_context

# Compared by type only: live measurements (platform health, timings) differ between any
# two answers, and whether the analytics cache answered (the second path to ask finds the
# first one's answer there).
VOLATILE = frozenset(
    {"apiLatencyMs", "activeConnections", "uptimeSeconds", "generatedAt", "queryTimeSeconds"}
    | {"cacheHit"}
)


def _steady(data: Any, volatile: frozenset[str]) -> Any:
    if isinstance(data, dict):
        return {
            k: type(v).__name__ if k in volatile else _steady(v, volatile) for k, v in data.items()
        }
    if isinstance(data, list):
        return [_steady(v, volatile) for v in data]
    return data


def canonical(data: Any, volatile: frozenset[str] = frozenset()) -> str:
    # orjson first: the compiled path embeds JSON built elsewhere as orjson.Fragment
    plain = orjson.loads(orjson.dumps(data))
    return json.dumps(_steady(plain, VOLATILE | volatile), ensure_ascii=False)


def variants(principal: Principal) -> list[Principal]:
    """The caller, the caller without any scope, and a caller of another workspace."""
    return [
        principal,
        replace(principal, scopes=frozenset()),
        replace(principal, workspace_id=new_id("ws"), subject="outsider"),
    ]


async def assert_paths_agree(
    schema: Any,
    query: str,
    variables: dict[str, Any] | None,
    principal: Principal,
    *,
    operation_name: str | None = None,
    expected: Any = None,
    volatile: frozenset[str] = frozenset(),
    **context_kw: Any,
) -> int:
    """Both paths for each variant principal; returns how many the compiled path answered.
    `volatile`: more keys whose values are live measurements (compared by type)."""
    answered = 0
    for who in variants(principal):
        if who is principal and expected is not None:
            executed = expected
        else:
            context = build_context(principal=who, **context_kw)
            executed = await schema.execute(
                query, variable_values=variables, context_value=context,
                operation_name=operation_name,
            )  # fmt: skip
        context = build_context(principal=who, **context_kw)
        compiled = await run_compiled(schema, query, operation_name, variables, context)
        if compiled is None:
            continue
        answered += 1
        assert not executed.errors, (
            f"compiled answered where the executor failed: {executed.errors} ({query})"
        )
        assert canonical(compiled.as_dict(), volatile) == canonical(executed.data, volatile), query
    return answered
