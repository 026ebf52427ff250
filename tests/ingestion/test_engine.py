"""The ingestion engine: all or nothing, idempotent by batch_id, rollups exact."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.ingestion import BatchConflict, IngestionRejected, UnknownDataType
from models import platform as m
from tests.utils.builders import World, character, creator, message, user


async def count(sessions, model, workspace):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(model).where(model.workspace_id == workspace)
        )


async def test_users_are_inserted_then_updated(upload, sessions, workspace):
    first = await upload("users", [user(1), user(2)])
    assert (first.records_inserted, first.records_updated) == (2, 0)
    second = await upload("users", [user(1, language="ja")])
    assert (second.records_inserted, second.records_updated) == (0, 1)
    async with sessions() as session:
        row = await session.get(m.PlatformUser, (workspace, "user_1"))
    assert row is not None and row.language == "ja"


async def test_resending_a_batch_writes_nothing_twice(upload, sessions, workspace):
    await upload("users", [user(1)])
    await upload("characters", [character(1, None)])
    records = [message(1, 1), message(1, 1, hours=1)]
    first = await upload("messages", records, batch_id="batch_a")
    again = await upload("messages", records, batch_id="batch_a")
    assert first.records_inserted == 2 and not first.duplicate
    assert again.duplicate and again.records_inserted == 2
    assert await count(sessions, m.Message, workspace) == 2
    async with sessions() as session:
        stats = await session.get(m.CharacterStats, (workspace, "char_1"))
    assert stats is not None and stats.total_messages == 2


async def test_same_batch_id_with_other_data_is_refused(upload):
    await upload("users", [user(1)], batch_id="batch_b")
    with pytest.raises(BatchConflict):
        await upload("users", [user(2)], batch_id="batch_b")


async def test_invalid_records_reject_the_whole_batch_with_row_indexes(upload, sessions, workspace):
    records = [user(1), {"id": "user_2", "created_at": "not a time"}, user(3, gender="robot")]
    with pytest.raises(IngestionRejected) as caught:
        await upload("users", records)
    assert sorted({e.index for e in caught.value.errors}) == [1, 2]
    assert {e.field for e in caught.value.errors} == {"created_at", "gender"}
    assert caught.value.total_invalid == 2
    assert await count(sessions, m.PlatformUser, workspace) == 0


async def test_unknown_references_reject_the_batch_and_write_nothing(upload, sessions, workspace):
    await upload("users", [user(1)])
    await upload("characters", [character(1, None)])
    records = [message(1, 1), message(1, 99), message(42, 1)]
    with pytest.raises(IngestionRejected) as caught:
        await upload("messages", records, batch_id="batch_c")
    assert [(e.index, e.field) for e in caught.value.errors] == [
        (1, "character_id"),
        (2, "user_id"),
    ]
    assert await count(sessions, m.Message, workspace) == 0
    # The refused batch_id stays free: the corrected batch goes through under it.
    result = await upload("messages", [message(1, 1)], batch_id="batch_c")
    assert result.records_inserted == 1 and not result.duplicate


async def test_references_never_cross_workspaces(upload, sessions):
    await upload("users", [user(1)])
    await upload("characters", [character(1, None)])
    other = "ws_default"
    with pytest.raises(IngestionRejected):
        await upload("messages", [message(1, 1)], workspace_id=other)


async def test_unknown_data_type(upload):
    with pytest.raises(UnknownDataType) as caught:
        await upload("telepathy", [{}])
    assert "messages" in caught.value.known


async def test_rollups_equal_the_raw_rows(upload, sessions, workspace):
    world = await World(users=20, creators=2, characters=8).build().load(upload)
    await upload(
        "favorites",
        [{"user_id": "user_1", "character_id": "char_3", "created_at": "2024-03-05T00:00:00Z"}],
    )
    await upload(
        "followers",
        [{"creator_id": "user_1", "follower_id": "user_9", "created_at": "2024-03-05T00:00:00Z"}],
    )
    async with sessions() as session:
        rows = (
            await session.execute(
                select(
                    m.Message.character_id,
                    func.count(),
                    func.count(func.distinct(m.Message.user_id)),
                )
                .where(m.Message.workspace_id == workspace)
                .group_by(m.Message.character_id)
            )
        ).all()
        stats = {
            s.character_id: s
            for s in await session.scalars(
                select(m.CharacterStats).where(m.CharacterStats.workspace_id == workspace)
            )
        }
        creators = {
            s.creator_id: s
            for s in await session.scalars(
                select(m.CreatorStats).where(m.CreatorStats.workspace_id == workspace)
            )
        }
    assert len(stats) == world.characters
    for character_id, total, unique in rows:
        assert (stats[character_id].total_messages, stats[character_id].unique_users) == (
            total,
            unique,
        )
    assert stats["char_3"].favorites == 1
    # creator k owns characters n with n % 2 + 1 == k; character n has n messages.
    assert creators["user_1"].characters_count == 4
    assert creators["user_1"].total_messages == 2 + 4 + 6 + 8
    assert creators["user_2"].total_messages == 1 + 3 + 5 + 7
    assert creators["user_1"].followers == 1


async def test_creator_earnings_follow_transaction_status(upload, sessions, workspace):
    await upload("users", [user(1), user(2)])
    await upload("creators", [creator(1)])
    tip = {
        "id": "txn_1",
        "user_id": "user_2",
        "type": "tip",
        "amount": "4.50",
        "creator_id": "user_1",
        "created_at": "2024-03-02T00:00:00Z",
    }
    await upload("transactions", [tip])
    await upload("transactions", [{**tip, "id": "txn_2", "amount": "1.25"}])
    await upload("transactions", [{**tip, "status": "refunded"}])
    async with sessions() as session:
        stats = await session.get(m.CreatorStats, (workspace, "user_1"))
    assert stats is not None and str(stats.earnings) == "1.25"
