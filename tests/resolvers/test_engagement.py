"""Messages, sessions, images, favorites, feature usage and visits in the graph: filters,
nested users and characters, like counts, and a statement count that does not grow."""

from __future__ import annotations

import pytest

from tests.utils.builders import World, at, character, creator, message, user


@pytest.fixture
async def world(upload):  # type: ignore[no-untyped-def]
    await upload("users", [user(n) for n in range(1, 5)])
    await upload("creators", [creator(1)])
    await upload("characters", [character(1, 1), character(2, None, is_nsfw=True)])
    await upload(
        "messages",
        [
            message(2, 1, hours=0, id="msg_a"),
            message(3, 1, hours=1, id="msg_b", session_id="sess_x"),
            message(2, 2, hours=2, id="msg_c", sender="character"),
            message(4, 1, hours=3, id="msg_d"),
        ],
    )
    session = {"user_id": "user_2", "started_at": at(3), "duration_seconds": 930}
    await upload(
        "sessions",
        [
            {**session, "id": "sess_x", "character_id": "char_1", "message_count": 24},
            {**session, "id": "sess_y", "character_id": "char_2", "device": "desktop"},
            {
                **session,
                "id": "sess_z",
                "user_id": "user_3",
                "device": "desktop",
                "started_at": at(4),
            },
        ],
    )
    image = {"user_id": "user_2", "character_id": "char_1", "created_at": at(3)}
    await upload(
        "images",
        [
            {**image, "id": "img_a"},
            {**image, "id": "img_b", "created_at": at(3, 1)},
            {**image, "id": "img_c", "character_id": "char_2", "is_nsfw": True},
        ],
    )
    await upload(
        "image_likes",
        [{"image_id": "img_a", "user_id": f"user_{n}", "created_at": at(4)} for n in (1, 3, 4)]
        + [{"image_id": "img_b", "user_id": "user_1", "created_at": at(4)}],
    )
    await upload(
        "favorites",
        [
            {"user_id": "user_2", "character_id": "char_1", "created_at": at(5)},
            {"user_id": "user_3", "character_id": "char_1", "created_at": at(5)},
            {"user_id": "user_3", "character_id": "char_2", "created_at": at(6)},
        ],
    )
    await upload(
        "feature_usage",
        [
            {"id": "fu_1", "user_id": "user_2", "feature": "image_generation", "used_at": at(3)},
            {"id": "fu_2", "user_id": "user_3", "feature": "scenarios", "used_at": at(4)},
        ],
    )
    await upload(
        "visits",
        [
            {"id": "visit_1", "visitor_id": "anon_1", "source": "tiktok", "created_at": at(0)},
            {"id": "visit_2", "visitor_id": "anon_2", "user_id": "user_4", "created_at": at(1)},
        ],
    )


async def ok(graphql, query, variables=None):  # type: ignore[no-untyped-def]
    result = await graphql(query, variables)
    assert result.errors is None, result.errors
    return result.data


async def test_messages_with_their_user_and_character(world, graphql):
    data = await ok(
        graphql,
        """{ messages(characterId: "char_1", from: "2024-03-04T13:00:00Z") {
               totalCount
               nodes { id sender sessionId createdAt
                       user { id username } character { id name creator { username } } } } }""",
    )
    assert data["messages"]["totalCount"] == 2
    assert data["messages"]["nodes"] == [
        {
            "id": "msg_d",
            "sender": "user",
            "sessionId": None,
            "createdAt": "2024-03-04T15:00:00+00:00",
            "user": {"id": "user_4", "username": "tester4"},
            "character": {"id": "char_1", "name": "Persona 1", "creator": {"username": "Studio1"}},
        },
        {
            "id": "msg_b",
            "sender": "user",
            "sessionId": "sess_x",
            "createdAt": "2024-03-04T13:00:00+00:00",
            "user": {"id": "user_3", "username": "tester3"},
            "character": {"id": "char_1", "name": "Persona 1", "creator": {"username": "Studio1"}},
        },
    ]
    by_user = await ok(
        graphql,
        """{ messages(userId: "user_2", to: "2024-03-04T14:00:00Z", direction: ASC) {
               nodes { id } } }""",
    )
    assert [n["id"] for n in by_user["messages"]["nodes"]] == ["msg_a"]


async def test_messages_with_user_and_character_cost_the_same_for_5_and_50(
    upload, graphql, count_statements
):
    await World(users=10, creators=2, characters=10).build().load(upload)  # 55 messages
    query = """query($first: Int!) { messages(first: $first) {
        nodes { id user { id username isPremium } character { id name creator { id } } } } }"""
    counts = {}
    for first in (5, 50):
        count_statements.count = 0
        data = await ok(graphql, query, {"first": first})
        assert len(data["messages"]["nodes"]) == first
        assert all(n["user"] and n["character"] for n in data["messages"]["nodes"])
        counts[first] = count_statements.count
    assert counts[5] == counts[50], counts


async def test_chat_sessions_by_device_and_character(world, graphql):
    data = await ok(
        graphql,
        """{ desktop: chatSessions(device: DESKTOP) {
               nodes { id device durationSeconds user { id } character { id } } }
             luna: chatSessions(characterId: "char_1") {
               nodes { id messageCount startedAt } } }""",
    )
    assert data["desktop"]["nodes"] == [
        {
            "id": "sess_z",
            "device": "desktop",
            "durationSeconds": 930,
            "user": {"id": "user_3"},
            "character": None,
        },
        {
            "id": "sess_y",
            "device": "desktop",
            "durationSeconds": 930,
            "user": {"id": "user_2"},
            "character": {"id": "char_2"},
        },
    ]
    assert data["luna"]["nodes"] == [
        {"id": "sess_x", "messageCount": 24, "startedAt": "2024-03-04T12:00:00+00:00"}
    ]


async def test_images_with_like_counts_and_nsfw_filter(world, graphql):
    data = await ok(
        graphql,
        """{ sfw: images(nsfw: false) { nodes { id likeCount character { id } } }
             nsfw: images(nsfw: true, userId: "user_2") { totalCount nodes { id likeCount } } }""",
    )
    assert data["sfw"]["nodes"] == [
        {"id": "img_b", "likeCount": 1, "character": {"id": "char_1"}},
        {"id": "img_a", "likeCount": 3, "character": {"id": "char_1"}},
    ]
    assert data["nsfw"] == {"totalCount": 1, "nodes": [{"id": "img_c", "likeCount": 0}]}


async def test_favorites_feature_usage_and_visits(world, graphql):
    data = await ok(
        graphql,
        """{ favorites(characterId: "char_1", direction: ASC) {
               nodes { userId user { id } character { name } } }
             everyFavorite: favorites(first: 2) { pageInfo { hasNextPage endCursor }
                                                   nodes { userId characterId } }
             featureUsage(feature: SCENARIOS) { nodes { id feature user { id } } }
             visits { nodes { id visitorId source user { id } } } }""",
    )
    assert data["favorites"]["nodes"] == [
        {"userId": "user_2", "user": {"id": "user_2"}, "character": {"name": "Persona 1"}},
        {"userId": "user_3", "user": {"id": "user_3"}, "character": {"name": "Persona 1"}},
    ]
    assert data["everyFavorite"]["nodes"] == [
        {"userId": "user_3", "characterId": "char_2"},
        {"userId": "user_3", "characterId": "char_1"},
    ]
    rest = await ok(
        graphql,
        "query($after: String) { favorites(after: $after) { nodes { userId characterId } } }",
        {"after": data["everyFavorite"]["pageInfo"]["endCursor"]},
    )
    assert rest["favorites"]["nodes"] == [{"userId": "user_2", "characterId": "char_1"}]
    assert data["featureUsage"]["nodes"] == [
        {"id": "fu_2", "feature": "scenarios", "user": {"id": "user_3"}}
    ]
    assert data["visits"]["nodes"] == [
        {"id": "visit_2", "visitorId": "anon_2", "source": None, "user": {"id": "user_4"}},
        {"id": "visit_1", "visitorId": "anon_1", "source": "tiktok", "user": None},
    ]


async def test_node_finds_engagement_ids(world, graphql):
    data = await ok(
        graphql,
        """{ a: node(id: "msg_c") { __typename id }  b: node(id: "sess_y") { __typename }
             c: node(id: "img_a") { __typename }    d: node(id: "fu_1") { __typename }
             e: node(id: "visit_2") { __typename }  f: node(id: "msg_nope") { id } }""",
    )
    assert data == {
        "a": {"__typename": "Message", "id": "msg_c"},
        "b": {"__typename": "ChatSession"},
        "c": {"__typename": "Image"},
        "d": {"__typename": "FeatureUse"},
        "e": {"__typename": "SiteVisit"},
        "f": None,
    }
