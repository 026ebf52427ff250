"""Parse and validation run once per distinct query text, limits included."""

from __future__ import annotations

import uuid

from graphql import validate

import resolvers.document_cache as document_cache
from resolvers.document_cache import DOCUMENTS


async def test_a_repeated_query_is_parsed_and_validated_once(graphql, monkeypatch):
    # a text no other test sends (the differential check replays the suite's constants)
    query = "query RepeatedOnce_" + uuid.uuid4().hex + " { __typename }"
    calls = []

    def counting_validate(*args, **kw):
        calls.append(1)
        return validate(*args, **kw)

    monkeypatch.setattr("strawberry.schema.schema.validate", counting_validate)
    for _ in range(3):
        result = await graphql(query)
        assert result.errors is None and result.data == {"__typename": "Query"}
    assert len(calls) == 1
    assert any(key[0] == query for key in DOCUMENTS.documents)
    assert document_cache.DOCUMENTS is DOCUMENTS


async def test_limits_still_refuse_from_the_cache(graphql):
    deep = "{ " + "characters { nodes { creator { characters { " * 4 + "id" + " } } } }" * 4 + " }"
    for _ in range(2):  # the second answer comes from the validation cache
        result = await graphql(deep)
        assert result.data is None
        assert "exceeds maximum operation depth" in result.errors[0].message
    aliased = "{ " + " ".join(f"a{n}: __typename" for n in range(31)) + " }"
    for _ in range(2):
        result = await graphql(aliased)
        assert result.errors and "aliases" in result.errors[0].message
