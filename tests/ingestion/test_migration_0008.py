"""Migration 0008's backfill gives an already loaded workspace what ingestion now keeps: the
users' activity without the characters' replies, creators' totals over their current
characters, messages per hour by sender, and no window totals of another timezone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sqlalchemy import text

from gateway.database import transaction
from tests.ingestion.test_activity_rollups import DERIVED, _activity, _load_shuffled, _tables
from tests.utils.builders import at, character, creator, user

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "models/migrations/versions/0008_user_activity_exactness.py"
)

# What a workspace loaded before 0008 holds: a character's replies counted as the user's
# activity and totals, no messages by sender, creators' totals where the characters were
# when their messages came, and window totals cut in another zone.
_BEFORE_0008 = (
    "UPDATE platform_hourly SET user_messages = 0 WHERE workspace_id = :ws",
    "UPDATE platform_user_stats SET messages = messages + 2 WHERE workspace_id = :ws",
    "UPDATE platform_users SET last_active_at = now() WHERE workspace_id = :ws",
    "INSERT INTO platform_user_days (workspace_id, day, user_id, messages) "
    "SELECT workspace_id, '2024-02-01', id, 1 FROM platform_users WHERE workspace_id = :ws",
    "UPDATE creator_stats SET total_messages = 0, total_images = 99 WHERE workspace_id = :ws",
    "INSERT INTO character_window_state (workspace_id, days, as_of) VALUES (:ws, 7, '2024-03-10')",
)


async def test_the_migration_backfills_what_ingestion_keeps(upload, sessions, workspace):  # type: ignore[no-untyped-def]
    await upload("users", [user(n, created_at=at(-6 + n % 5)) for n in range(1, 13)])
    await upload("creators", [creator(1), creator(2)])
    await upload("characters", [character(n, (None, 1, 1, 2)[n - 1]) for n in range(1, 5)])
    await _load_shuffled(upload, _activity(7), 7)
    await upload("characters", [character(2, 2), character(3, None)])
    derived = {**DERIVED, "character_window_state": "days, as_of"}
    kept = await _tables(sessions, workspace, derived)

    spec = importlib.util.spec_from_file_location("migration_0008", MIGRATION)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    async with transaction(sessions) as session:
        for statement in _BEFORE_0008:
            await session.execute(text(statement), {"ws": workspace})
    assert await _tables(sessions, workspace, derived) != kept
    async with transaction(sessions) as session:
        await session.run_sync(lambda s: migration.backfill(s.connection()))
    assert await _tables(sessions, workspace, derived) == kept
