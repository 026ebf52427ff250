"""A plain JSON POST that the compiled path answers skips Strawberry's request parsing;
everything else (batches, persisted-query extensions, what does not compile) takes the
full path, with the same answers."""

from __future__ import annotations

import pytest

from gateway.graphql_view import GraphQLView

COMPILED = "{ characters(first: 2) { nodes { id name } } }"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    original = GraphQLView.parse_http_body

    async def counted(self, request_adapter):  # type: ignore[no-untyped-def]
        calls.append(request_adapter)
        return await original(self, request_adapter)

    monkeypatch.setattr(GraphQLView, "parse_http_body", counted)
    return calls


async def test_a_compiled_read_skips_the_views_parsing(app_client, parses):
    answer = await app_client.post("/graphql", json={"query": COMPILED, "variables": None})
    assert answer.status_code == 200
    assert set(answer.json()["data"]["characters"]) == {"nodes"}
    assert parses == []
    assert (await app_client.post("/graphql", json={"query": "{ __typename }"})).json() == {
        "data": {"__typename": "Query"}
    }
    assert parses == []


@pytest.mark.parametrize(
    "body",
    [
        [{"query": "{ __typename }"}],  # a batch
        {"query": "{ __schema { queryType { name } } }"},  # not compiled
        {"query": COMPILED, "extensions": {}},  # extensions: the persisted-query path
        {"query": COMPILED, "variables": "not an object"},  # refused by the full path
    ],
)
async def test_everything_else_takes_the_full_path(app_client, parses, body):
    answer = await app_client.post("/graphql", json=body)
    assert len(parses) == 1
    if isinstance(body, dict) and body.get("variables") == "not an object":
        assert answer.status_code == 400


async def test_the_lane_answers_what_the_full_path_answers(app_client, monkeypatch):
    lane = (await app_client.post("/graphql", json={"query": COMPILED})).json()

    async def no_lane(self, request):  # type: ignore[no-untyped-def]
        return None

    monkeypatch.setattr(GraphQLView, "_compiled_lane", no_lane)
    assert (await app_client.post("/graphql", json={"query": COMPILED})).json() == lane
