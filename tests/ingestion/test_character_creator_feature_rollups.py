"""Rollups of migration 0003: the feature counters stay exact under concurrent uploads of the
same user, and migration 0003's backfill of an already loaded workspace gives what ingestion
keeps."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

from sqlalchemy import text

from gateway.database import transaction
from gateway.ingestion import ingest
from tests.ingestion.test_activity_rollups import _activity, _load_shuffled
from tests.utils.builders import at, character, creator, user

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "models/migrations/versions/0003_character_creator_feature_rollups.py"
)

KEPT = {
    "character_days": "day, character_id, new_users",
    "character_stats": "character_id, creator_id, sessions, session_seconds",
    "creator_stats": "creator_id",
    "platform_counters": "name, value",
}


async def _kept(sessions, workspace: str) -> dict[str, set]:  # type: ignore[no-untyped-def]
    found = {}
    async with sessions() as session:
        for table, columns in KEPT.items():
            result = await session.execute(
                text(f"SELECT {columns} FROM {table} WHERE workspace_id = :ws"), {"ws": workspace}
            )
            found[table] = set(result.all())
    return found


async def _counters(sessions, workspace: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        result = await session.execute(
            text("SELECT name, value FROM platform_counters WHERE workspace_id = :ws"),
            {"ws": workspace},
        )
        return dict(result.all())


async def test_concurrent_feature_uploads_count_a_user_once(upload, sessions, workspace):  # type: ignore[no-untyped-def]
    await upload("users", [user(1), user(2)])
    use = {"user_id": "user_1", "feature": "scenarios", "used_at": at(1)}
    async with sessions() as first:
        await ingest(first, data_type="feature_usage", records=[use], workspace_id=workspace)
        # user_1 again (waits for the first upload's pair) and a new user.
        again = [use, {**use, "user_id": "user_2"}]
        second = asyncio.create_task(upload("feature_usage", again))
        await asyncio.sleep(0.5)
        assert not second.done(), "the second upload did not wait for the first's pair"
        await first.commit()
    await second
    counters = await _counters(sessions, workspace)
    assert (counters["users:scenarios"], counters["uses:scenarios"]) == (2, 3)


async def test_the_migration_backfills_what_ingestion_keeps(upload, sessions, workspace):  # type: ignore[no-untyped-def]
    await upload("users", [user(n, created_at=at(-6 + n % 5)) for n in range(1, 13)])
    await upload("creators", [creator(1), creator(2)])
    await upload("characters", [character(n, (None, 1, 1, 2)[n - 1]) for n in range(1, 5)])
    await _load_shuffled(upload, _activity(5), 5)
    await upload("characters", [character(2, 2), character(3, None)])
    kept = await _kept(sessions, workspace)
    assert all(kept.values()), kept

    spec = importlib.util.spec_from_file_location("migration_0003", MIGRATION)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    async with transaction(sessions) as session:
        # What a database loaded before 0003 has: the new columns at their defaults, no
        # feature counters.
        for statement in (
            "UPDATE character_days SET new_users = 0 WHERE workspace_id = :ws",
            "UPDATE character_stats SET session_seconds = 0, sessions = 0, creator_id = NULL "
            "WHERE workspace_id = :ws",
            "DELETE FROM platform_counters WHERE workspace_id = :ws AND name LIKE 'use%'",
        ):
            await session.execute(text(statement), {"ws": workspace})
        for statement in migration.BACKFILL:
            await session.execute(text(statement), {"ws": workspace})
    assert await _kept(sessions, workspace) == kept
