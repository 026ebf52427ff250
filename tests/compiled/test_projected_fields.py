"""Projected roots run the resolvers of the fields they select: their loaders batch across
a list as under the executor, their arguments arrive converted, and a resolver that fails
declines the whole document (the executor answers it), leaving nothing running."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
import strawberry
from aiodataloader import DataLoader

from gateway.principal import Principal as Caller
from resolvers.compiled.executor import run_compiled
from resolvers.context import build_context
from resolvers.schema import schema as gateway_schema
from tests.utils.coaching import end_user, enrollment, load_hub


@strawberry.enum
class Mood(Enum):
    CALM = "calm"
    BUSY = "busy"


@dataclass
class Principal:
    scopes: frozenset[str] = frozenset()


@dataclass
class Context:
    principal: Principal = field(default_factory=Principal)
    batches: list[list[int]] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    loader: Any = None

    def __post_init__(self) -> None:
        async def load(keys: list[int]) -> list[int]:
            self.batches.append(list(keys))
            return [key * 10 for key in keys]

        self.loader = DataLoader(load)


@strawberry.type
class Tally:
    seen: int


@strawberry.type
class Item:
    number: int
    mood: Mood

    @strawberry.field
    async def tally(self, info: strawberry.Info) -> Tally:
        return Tally(seen=await info.context.loader.load(self.number))

    @strawberry.field
    def label(self, prefix: str = "#", upper: bool = False) -> str:
        text = f"{prefix}{self.number} {self.mood.value}"
        return text.upper() if upper else text

    @strawberry.field
    async def fragile(self, info: strawberry.Info) -> int:
        info.context.started.append(self.number)
        if self.number == 2:
            raise ValueError("item 2 cannot say")
        await asyncio.sleep(0.01)  # still running when item 2 fails
        info.context.finished.append(self.number)
        return self.number


@strawberry.type
class Query:
    @strawberry.field
    def items(self, count: int) -> list[Item]:
        return [Item(number=n, mood=Mood.CALM if n % 2 else Mood.BUSY) for n in range(count)]


SCHEMA = strawberry.Schema(query=Query)


async def _both(query: str, variables: dict[str, Any] | None = None) -> tuple[Any, Any, Context]:
    executed = await SCHEMA.execute(query, variable_values=variables, context_value=Context())
    context = Context()
    compiled = await run_compiled(SCHEMA, query, None, variables, context, protect=False)
    return executed, compiled, context


async def test_field_resolvers_run_with_their_loaders_batched_across_the_list():
    query = (
        "query($n: Int!) { items(count: $n) { number mood tally { seen } "
        'label(prefix: "no. ", upper: true) plain: label __typename } }'
    )
    executed, compiled, context = await _both(query, {"n": 4})
    assert compiled is not None
    assert compiled.as_dict() == executed.data
    assert compiled.as_dict()["items"][1] == {
        "number": 1,
        "mood": "CALM",
        "tally": {"seen": 10},
        "label": "NO. 1 CALM",
        "plain": "#1 calm",
        "__typename": "Item",
    }
    assert context.batches == [[0, 1, 2, 3]]  # one load for the list, as the executor's


async def test_a_failing_resolver_declines_after_its_siblings_finish():
    executed, compiled, context = await _both("{ items(count: 4) { number fragile } }")
    assert executed.errors and compiled is None  # the executor words the error
    assert sorted(context.started) == [0, 1, 2, 3]
    assert sorted(context.finished) == [0, 1, 3]  # nothing left running on its own


@pytest.mark.parametrize(
    "query",
    [
        "{ items(count: 2) { number } }",
        "{ items(count: 3) { tally { seen } } }",
    ],
)
async def test_plain_and_resolved_selections_agree(query):
    executed, compiled, _ = await _both(query)
    assert compiled is not None and compiled.as_dict() == executed.data


# Spec 002's end users, each with per-item totals read through loaders.
END_USERS = (
    "{ endUserPage(page: 1, limit: 50, orderBy: CREATED_AT, direction: DESC) { total "
    "items { id enrollmentCount totalInteractions enrollments { programId program { name } } "
    "} } }"
)


async def test_statements_do_not_grow_with_the_rows(
    upload, settings, sessions, workspace, count_statements
):
    principal = Caller(workspace_id=workspace, subject="test")
    await load_hub(upload)
    counts, sizes = [], []
    for more in (0, 12):
        await upload("end_users", [end_user(n) for n in range(10, 10 + more)])
        await upload("enrollments", [enrollment(n, 1) for n in range(10, 10 + more)])
        context = build_context(settings=settings, sessions=sessions, principal=principal)
        count_statements.count = 0
        compiled = await run_compiled(gateway_schema, END_USERS, None, None, context)
        assert compiled is not None
        counts.append(count_statements.count)
        sizes.append(len(compiled.as_dict()["endUserPage"]["items"]))
    assert sizes == [4, 16]
    assert counts[0] == counts[1] > 0, counts  # one statement per kind, not per row
