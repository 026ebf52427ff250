"""Two uploads creating the same new id at the same moment count it once: the second one's
pre-image is the first one's row, so every rollup an upsert moves between keys (facets,
subscription counters, the users' places) stays equal to its rebuild."""

from __future__ import annotations

import asyncio

import pytest

from gateway.database import transaction
from gateway.ingestion import ingest
from gateway.ingestion.rollup_rebuild import rebuild
from tests.ingestion.test_activity_rollups import _tables
from tests.ingestion.test_subscription_rollups import SUBSCRIPTION_DERIVED, TIERS
from tests.rest.dataset import set_timezone
from tests.utils.builders import at, character, creator, user


async def _race(sessions, upload, workspace: str, data_type: str, first, second) -> None:  # type: ignore[no-untyped-def]
    """`second` is uploaded while the upload of `first` (the same new id) is uncommitted."""
    async with sessions() as session:
        await ingest(session, data_type=data_type, records=[first], workspace_id=workspace)
        waiting = asyncio.create_task(upload(data_type, [second]))
        await asyncio.sleep(0.5)
        assert not waiting.done(), "the second upload did not wait for the first"
        await session.commit()
    await waiting


@pytest.mark.parametrize("data_type", ["subscriptions", "users", "characters"])
async def test_two_uploads_creating_one_id_at_once_count_it_once(
    upload, sessions, workspace, data_type
) -> None:  # type: ignore[no-untyped-def]
    await set_timezone(sessions, workspace, "America/New_York")
    await upload("subscription_tiers", TIERS)
    await upload("users", [user(1), user(2)])
    await upload("creators", [creator(1), creator(2)])
    await upload("characters", [character(1, 1)])
    first, second = {
        "subscriptions": (
            {"id": "sub_9", "user_id": "user_1", "tier_id": "tier_a", "created_at": at(1)},
            {"id": "sub_9", "user_id": "user_2", "tier_id": "tier_b", "created_at": at(4)},
        ),
        "users": (
            user(9, created_at=at(-2), language="ja", country="JP"),
            user(9, created_at=at(3), language="es", is_temporary=True),
        ),
        "characters": (
            character(9, 1, tags=["bold"], is_nsfw=True),
            character(9, 2, tags=["kind", "calm"], category="Sci-Fi"),
        ),
    }[data_type]
    await _race(sessions, upload, workspace, data_type, first, second)
    derived = {
        **SUBSCRIPTION_DERIVED,
        "creator_stats": "creator_id, characters_count, total_messages, total_images",
    }
    kept = await _tables(sessions, workspace, derived)
    async with transaction(sessions) as session:
        await rebuild(session, workspace)
    rebuilt = await _tables(sessions, workspace, derived)
    assert {t: rows ^ kept[t] for t, rows in rebuilt.items() if rows != kept[t]} == {}
