"""Characters and creators in the graph: nested relations and aggregates, batched."""

from __future__ import annotations

from tests.utils.builders import World

TOP_CHARACTERS = """
query Top($first: Int!, $after: String) {
  characters(first: $first, after: $after, orderBy: TOTAL_MESSAGES, direction: DESC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name totalMessages uniqueUsers favorites imagesGenerated
      creator { id username followers charactersCount totalMessages earnings
                characters(limit: 3) { id } }
    }
  }
}
"""


async def test_top_characters_with_creators_and_totals(upload, graphql):
    await World(users=30, creators=3, characters=12).build().load(upload)
    result = await graphql(TOP_CHARACTERS, {"first": 5})
    assert result.errors is None, result.errors
    page = result.data["characters"]
    assert page["totalCount"] == 12
    assert [c["id"] for c in page["nodes"]] == ["char_12", "char_11", "char_10", "char_9", "char_8"]
    top = page["nodes"][0]
    # char_12 got 12 messages from 12 different users; its creator is user_1 (12 % 3 + 1).
    assert (top["totalMessages"], top["uniqueUsers"], top["favorites"]) == (12, 12, 0)
    assert top["creator"]["id"] == "user_1"
    assert top["creator"]["charactersCount"] == 4
    assert top["creator"]["totalMessages"] == 3 + 6 + 9 + 12
    assert top["creator"]["earnings"] == "0.00"
    assert len(top["creator"]["characters"]) == 3


async def test_cursor_pages_cover_every_character_once(upload, graphql):
    await World(users=30, creators=3, characters=12).build().load(upload)
    seen, after = [], None
    while True:
        result = await graphql(TOP_CHARACTERS, {"first": 5, "after": after})
        assert result.errors is None, result.errors
        page = result.data["characters"]
        seen += [c["id"] for c in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"char_{n}" for n in range(12, 0, -1)]


async def test_statement_count_does_not_grow_with_items(upload, graphql, count_statements):
    await World(users=40, creators=5, characters=100).build().load(upload)
    counts = {}
    for first in (10, 100):
        count_statements.count = 0
        result = await graphql(TOP_CHARACTERS, {"first": first})
        assert result.errors is None, result.errors
        assert len(result.data["characters"]["nodes"]) == first
        counts[first] = count_statements.count
    assert counts[10] == counts[100], counts


async def test_page_size_is_capped(graphql):
    result = await graphql("{ characters(first: 101) { nodes { id } } }")
    assert result.errors and result.errors[0].extensions["code"] == "BAD_USER_INPUT"


async def test_bad_cursor_is_a_clear_error(graphql):
    result = await graphql('{ characters(first: 1, after: "nonsense") { nodes { id } } }')
    assert result.errors and result.errors[0].extensions["code"] == "BAD_USER_INPUT"


async def test_node_finds_characters_and_users_by_their_api_ids(upload, graphql):
    await World(users=3, creators=1, characters=2).build().load(upload)
    query = """
    query($a: ID!, $b: ID!, $c: ID!) {
      a: node(id: $a) { __typename id ... on Character { name } }
      b: node(id: $b) {
        __typename id ... on PlatformUser { isPremium creatorProfile { username } }
      }
      c: node(id: $c) { id }
    }"""
    result = await graphql(query, {"a": "char_2", "b": "user_1", "c": "char_404"})
    assert result.errors is None, result.errors
    assert result.data["a"] == {"__typename": "Character", "id": "char_2", "name": "Persona 2"}
    assert result.data["b"]["__typename"] == "PlatformUser"
    assert result.data["b"]["creatorProfile"] == {"username": "Studio1"}
    assert result.data["c"] is None


async def test_other_workspaces_data_is_invisible(upload, graphql):
    await World(users=3, creators=1, characters=2).build().load(upload)
    result = await graphql(
        '{ character(id: "char_1") { id } characters { totalCount } }', workspace_id="ws_default"
    )
    assert result.errors is None
    assert result.data == {"character": None, "characters": {"totalCount": 0}}
