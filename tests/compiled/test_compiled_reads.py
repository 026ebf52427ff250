"""The compiled read path answers known queries in one statement, equal to the executor's
answer, and declines (the executor answers) everything else."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from gateway.principal import Principal
from resolvers.compiled.executor import run_compiled
from resolvers.context import build_context
from resolvers.schema import schema
from tests.resolvers.test_characters import TOP_CHARACTERS
from tests.utils.builders import World
from tests.utils.compiled import assert_paths_agree

COMPILED = [
    (TOP_CHARACTERS, {"first": 5}),
    ("{ characters(first: 50) { nodes { id name creator { id username } } } }", None),
    (
        "query($after: String) { characters(first: 4, after: $after, orderBy: NAME, "
        "direction: ASC) { edges { cursor node { id name tags createdAt isNsfw } } "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename } "
        "__typename } }",
        {"after": None},
    ),
    (
        "{ creators(first: 3, orderBy: EARNINGS) { totalCount nodes { id username earnings "
        "followers totalImages characters(limit: 2) { id createdAt creator { username } } } } }",
        None,
    ),
    ('{ character(id: "char_3") { id name sessionsCount } creator(id: "nobody") { id } }', None),
    (
        'query Named { __typename a: characters(first: 2, filter: {category: "fantasy"}) '
        "{ nodes { ...Bits } } } fragment Bits on Character { id slug imageUrl }",
        None,
    ),
]

DECLINED = [
    '{ node(id: "char_1") { id } }',  # an interface
    "{ characters { nodes { id @include(if: true) } } }",  # a directive
    "{ characters(first: 101) { nodes { id } } }",  # the resolver refuses it
    "{ __schema { queryType { name } } }",
]


@pytest.fixture
def principal(workspace: str) -> Principal:
    return Principal(workspace_id=workspace, subject="test")


@pytest.mark.parametrize(("query", "variables"), COMPILED)
async def test_compiled_answers_equal_the_executor(
    query, variables, upload, settings, sessions, principal
):
    await World(users=20, creators=3, characters=9).build().load(upload)
    answered = await assert_paths_agree(
        schema, query, variables, principal, settings=settings, sessions=sessions
    )
    assert answered == 2  # the caller and another workspace (no scope: the executor's FORBIDDEN)


async def test_cursor_pages_agree(upload, settings, sessions, principal):
    await World(users=20, creators=3, characters=9).build().load(upload)
    query = COMPILED[2][0]
    after = None
    for _ in range(4):
        context = build_context(settings=settings, sessions=sessions, principal=principal)
        compiled = await run_compiled(schema, query, None, {"after": after}, context)
        assert compiled is not None
        await assert_paths_agree(
            schema, query, {"after": after}, principal, settings=settings, sessions=sessions
        )
        after = compiled.as_dict()["characters"]["pageInfo"]["endCursor"]


@pytest.mark.parametrize("query", DECLINED)
async def test_everything_else_is_declined(query, upload, settings, sessions, principal):
    await World(users=5, creators=1, characters=2).build().load(upload)
    context = build_context(settings=settings, sessions=sessions, principal=principal)
    assert await run_compiled(schema, query, None, None, context) is None


async def test_a_constant_document_asks_nothing_of_postgresql(
    settings, sessions, engine, principal
):
    """`{ __typename }` (what health probes send) is answered without a connection."""
    checkouts: list[object] = []

    def checked_out(*_: object) -> None:
        checkouts.append(_)

    event.listen(engine.sync_engine, "checkout", checked_out)
    try:
        context = build_context(settings=settings, sessions=sessions, principal=principal)
        compiled = await run_compiled(
            schema, "{ __typename kind: __typename }", None, None, context
        )
    finally:
        event.remove(engine.sync_engine, "checkout", checked_out)
    assert compiled is not None
    assert compiled.as_dict() == {"__typename": "Query", "kind": "Query"}
    assert checkouts == []
