"""Rollups an upsert can move between keys: a re-sent transaction or character takes its old
contribution away from its old creator; and a rebuild after a timezone change leaves no
per-character window total cut in the old zone (the top lists rank by the new days)."""

from __future__ import annotations

from sqlalchemy import text

from gateway.database import transaction
from gateway.ingestion.rollup_rebuild import rebuild
from tests.rest import dataset
from tests.utils.builders import character, user


async def _data(api, path: str) -> dict:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _creators(api, sort: str) -> list[tuple[str, dict]]:
    d = await _data(api, f"/api/marketing/creators/top?limit=10&sortBy={sort}")
    return [(c["creatorId"], c["metrics"]) for c in d["creators"]]


async def test_a_resent_transaction_or_character_leaves_its_old_creator(api_data, upload) -> None:
    """The fixed dataset: txn_5 (a 2.50 tip) earns for user_1; char_3 (user_2's, 3
    messages, no images) and char_1 (5 messages, 2 images) and char_2 (6 messages, 1 image)
    are user_1's."""
    await upload("transactions", [{**dataset.TRANSACTIONS[4], "creator_id": "user_2"}])
    by_earnings = await _creators(api_data, "earnings")
    assert [(c, m["earnings"]) for c, m in by_earnings] == [("user_2", 2.5), ("user_1", 0.0)]
    # char_3 moves to user_1, who then has 5 + 6 + 3 messages; user_2 has no character left,
    # so no message in the last 30 days either.
    await upload("characters", [{**dataset.CHARACTERS[2], "creator_id": "user_1"}])
    by_messages = await _creators(api_data, "messages")
    assert [(c, m["totalMessages"], m["totalImages"]) for c, m in by_messages] == [
        ("user_1", 14, 3),
        ("user_2", 0, 0),
    ]
    # char_2 moves to user_2: 6 messages and 1 image go with it.
    await upload("characters", [{**dataset.CHARACTERS[1], "creator_id": "user_2"}])
    by_messages = await _creators(api_data, "messages")
    assert [(c, m["totalMessages"], m["totalImages"]) for c, m in by_messages] == [
        ("user_1", 8, 2),
        ("user_2", 6, 1),
    ]
    await upload("characters", [{**dataset.CHARACTERS[1], "creator_id": "user_1"}])
    stats = await _data(api_data, "/api/marketing/creators/stats")
    assert stats["activeCreators"] == 1  # user_2 has no character left


async def test_a_rebuild_in_a_new_timezone_moves_the_top_lists(api, upload, sessions, workspace):  # type: ignore[no-untyped-def]
    """Now = Mar 10 12:00 UTC. char_1 gets 3 messages and 3 images at 23:30 UTC on Mar 3,
    char_2 2 of each at 10:00 UTC on Mar 4. In UTC the last 7 days (Mar 4-10) hold only
    char_2's; in Tokyo (UTC+9, today still Mar 10) Mar 3 23:30 UTC is Mar 4 08:30, inside."""
    await upload("users", [user(1)])
    await upload("characters", [character(1, None), character(2, None)])
    early = {"user_id": "user_1", "character_id": "char_1", "created_at": "2024-03-03T23:30:00Z"}
    late = {"user_id": "user_1", "character_id": "char_2", "created_at": "2024-03-04T10:00:00Z"}
    for kind in ("messages", "images"):
        await upload(kind, [early] * 3 + [late] * 2)
    top = "/api/marketing/characters/top-performing?period=7d&sortBy={}&limit=2"
    images = "/api/marketing/engagement/images?period=7d"

    async def order() -> tuple[list, list, list]:
        by_messages = await _data(api, top.format("messages"))
        by_images = await _data(api, top.format("images"))
        generating = (await _data(api, images))["topImageGeneratingCharacters"]
        return (
            [c["id"] for c in by_messages["characters"]],
            [c["id"] for c in by_images["characters"]],
            [(c["characterId"], c["imageCount"]) for c in generating],
        )

    assert await order() == (["char_2", "char_1"], ["char_2", "char_1"], [("char_2", 2)])
    async with transaction(sessions) as session:
        await session.execute(
            text("UPDATE workspaces SET settings = CAST(:s AS jsonb) WHERE id = :ws"),
            {"s": '{"timezone": "Asia/Tokyo"}', "ws": workspace},
        )
        await rebuild(session, workspace)
    assert await order() == (
        ["char_1", "char_2"],
        ["char_1", "char_2"],
        [("char_1", 3), ("char_2", 2)],
    )
