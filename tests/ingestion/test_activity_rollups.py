"""The activity gaps and retention cells (and the users' and creators' totals) kept by
ingestion equal the ones rebuilt from scratch, whatever order the batches arrive in (a
character's replies among them, which are no user's activity), and the distinct counts
read from them equal count(DISTINCT ...) over the per-day tables for every window."""

from __future__ import annotations

import asyncio
import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from gateway.database import transaction
from gateway.ingestion import ingest
from gateway.ingestion.rollup_rebuild import rebuild
from models.analytics.sql import distinct_active
from models.analytics.window import Frame
from tests.utils.builders import at, character, creator, user

DAYS = 40


def _activity(seed: int) -> dict[str, list[dict]]:
    """Messages, sessions, images and favorites of 12 users with 4 characters over 40 days,
    with gaps, repeats and several kinds of activity on the same day."""
    rng = random.Random(seed)
    records: dict[str, list[dict]] = {"messages": [], "sessions": [], "images": [], "favorites": []}
    for n in range(1, 13):
        for day in sorted(rng.sample(range(DAYS), rng.randint(1, 14))):
            c = f"char_{rng.randint(1, 4)}"
            when = at(day - 5, rng.randint(0, 23))
            kind = rng.choice(("messages", "messages", "sessions", "images", "favorites"))
            base = {"user_id": f"user_{n}", "character_id": c}
            if kind == "messages":
                records[kind] += [{**base, "created_at": when}] * rng.randint(1, 3)
            elif kind == "sessions":
                seconds = rng.randint(0, 4000)
                records[kind].append({**base, "started_at": when, "duration_seconds": seconds})
            elif kind == "images":
                records[kind].append({**base, "created_at": when})
            else:
                records[kind].append({**base, "created_at": when})
    # Characters' replies to every fourth message: the character's doing, not the user's.
    records["messages"] += [{**m, "sender": "character"} for m in records["messages"][::4]]
    # Feature uses, some of them sent twice under the same id (the copy is ignored).
    features = ("image_generation", "scenarios", "voice_messages")
    uses = [
        {
            "id": f"fu_{k}",
            "user_id": f"user_{rng.randint(1, 12)}",
            "feature": rng.choice(features),
            "used_at": at(rng.randint(-5, DAYS - 6), rng.randint(0, 23)),
        }
        for k in range(40)
    ]
    records["feature_usage"] = uses + rng.sample(uses, 10)
    return records


DERIVED = {
    "platform_user_days": "day, user_id, messages, images, sessions, favorites",
    "character_days": (
        "day, character_id, messages, images, sessions, favorites, new_users, unique_users"
    ),
    "character_stats": "character_id, creator_id, sessions, session_seconds",
    "creator_stats": "creator_id, characters_count, total_messages, total_images, earnings, "
    "last_message_at",
    "platform_user_stats": "user_id, messages, images, sessions, favorites, first_message_at",
    "platform_users": "id, last_active_at",
    "platform_hourly": "hour, user_messages, messages",
    "character_user_days": "day, character_id, user_id",
    "platform_activity_gaps": "kind, day, prev_day, subjects",
    "platform_retention_cells": "registered_on, span, k, users",
    "platform_user_facets": "registered_on, facet, value, users",
    "platform_character_facets": "facet, value, characters",
    "platform_user_segment_keys": "user_id, band, active_day, seen_day, registered_on, revenue, "
    "registered, chatted, premium, creator, to_purchase, chat_to_sub, first_subscription_at",
    "platform_segment_cells": "band, day, revenue, measure, users",
    "platform_counters": "name, value",
}

COUNTERS = {
    "subjects",
    "users",
    "characters",
    "value",
    "subscriptions",
    "first_subscriptions",
    "active",
}


async def _tables(sessions, workspace: str, derived=DERIVED) -> dict[str, set]:  # type: ignore[no-untyped-def]
    """Every rebuilt rollup's rows (a count moved to zero is the same as no row)."""
    found = {}
    async with sessions() as session:
        for table, columns in derived.items():
            last = columns.rsplit(", ", 1)[-1]
            nonzero = f" AND {last} <> 0" if last in COUNTERS else ""
            result = await session.execute(
                text(f"SELECT {columns} FROM {table} WHERE workspace_id = :ws{nonzero}"),
                {"ws": workspace},
            )
            found[table] = set(result.all())
    return found


async def _load_shuffled(upload, records: dict[str, list[dict]], seed: int) -> None:  # type: ignore[no-untyped-def]
    """Every kind in small batches, in a random order: late days before early ones."""
    batches = []
    for kind, rows in records.items():
        rows = list(rows)
        random.Random(seed).shuffle(rows)
        batches += [(kind, rows[i : i + 7]) for i in range(0, len(rows), 7)]
    random.Random(seed + 1).shuffle(batches)
    for kind, rows in batches:
        await upload(kind, rows)


@pytest.fixture
async def people(upload):  # type: ignore[no-untyped-def]
    await upload("users", [user(n, created_at=at(-6 + n % 5)) for n in range(1, 13)])
    await upload("creators", [creator(1), creator(2)])
    await upload("characters", [character(n, (None, 1, 1, 2)[n - 1]) for n in range(1, 5)])


@pytest.mark.parametrize("seed", [1, 2])
async def test_incremental_upkeep_equals_a_rebuild(people, upload, sessions, workspace, seed):  # type: ignore[no-untyped-def]
    await _load_shuffled(upload, _activity(seed), seed)
    await upload(
        "transactions",
        [
            {
                "id": f"txn_{n}",
                "user_id": f"user_{n % 5 + 1}",
                "type": "tip",
                "amount": 2.5 * n,
                "status": "completed" if n % 3 else "refunded",
                "created_at": at(n),
            }
            for n in range(1, 9)
        ],
    )
    await upload(
        "visits",
        [{"visitor_id": f"anon_{n % 4}", "created_at": at(n)} for n in range(9)]
        + [{"visitor_id": "anon_9", "user_id": "user_3", "created_at": at(2)}],
    )
    # Edits move facet counts: users change language or registration day, characters their
    # tags, category and flags.
    await upload(
        "users",
        [user(n, created_at=at(-3 + n % 4), language="ja") for n in range(1, 13, 2)],
    )
    await upload(
        "characters",
        # char_2 also moves from creator 1 to creator 2, char_4 loses its creator.
        [
            character(2, 2, tags=["bold", "bold", "kind"], category="Sci-Fi", is_nsfw=True),
            character(4, None),
        ],
    )
    kept = await _tables(sessions, workspace)
    assert all(kept.values()), kept
    async with transaction(sessions) as session:
        await rebuild(session, workspace)
    assert await _tables(sessions, workspace) == kept


async def test_distinct_counts_equal_raw_counts_for_every_window(
    people, upload, sessions, workspace
):  # type: ignore[no-untyped-def]
    await _load_shuffled(upload, _activity(3), 3)
    frame = Frame(workspace, "UTC", datetime.fromisoformat(at(DAYS)))
    raw = {
        "user": "SELECT count(DISTINCT user_id) FROM platform_user_days",
        "user_messages": "SELECT count(DISTINCT user_id) FROM platform_user_days",
        "user_images": "SELECT count(DISTINCT user_id) FROM platform_user_days",
        "character": "SELECT count(DISTINCT character_id) FROM character_days",
        "character_user": "SELECT count(DISTINCT (character_id, user_id)) FROM character_user_days",
    }
    only = {"user_messages": " AND messages > 0", "user_images": " AND images > 0"}
    first_day = date.fromisoformat(at(-6)[:10])
    checked = 0
    async with sessions() as session:
        for kind, sql in raw.items():
            for start in range(0, DAYS + 6, 3):
                for length in (1, 2, 7, 30):
                    first = first_day + timedelta(days=start)
                    last = first + timedelta(days=length - 1)
                    expected = (
                        await session.execute(
                            text(
                                f"{sql} WHERE workspace_id = :ws AND day BETWEEN :f AND :l"
                                + only.get(kind, "")
                            ),
                            {"ws": workspace, "f": first, "l": last},
                        )
                    ).scalar_one()
                    got = await distinct_active(session, frame, kind, first, last)
                    assert got == expected, (kind, first, last)
                    checked += expected
    assert checked > 0


async def test_a_concurrent_upload_waits_for_the_upkeep_of_the_first(  # type: ignore[no-untyped-def]
    people, upload, sessions, workspace
):
    """Upload B starts while upload A's transaction is still open. B must not compute its
    gaps from a snapshot without A's days: it waits for A, and the result is exact."""

    def day(d: int) -> list[dict]:
        return [
            {"user_id": f"user_{n}", "character_id": "char_1", "created_at": at(d)}
            for n in (1, 2, 3)
        ]

    async with sessions() as first:
        await ingest(first, data_type="messages", records=day(0), workspace_id=workspace)
        second = asyncio.create_task(upload("messages", day(1)))
        await asyncio.sleep(0.5)
        assert not second.done(), "the second upload did not wait for the first"
        await first.commit()
    await second
    kept = await _tables(sessions, workspace)
    async with transaction(sessions) as session:
        await rebuild(session, workspace)
    assert await _tables(sessions, workspace) == kept


async def test_a_rebuild_cuts_days_in_the_current_timezone(people, upload, sessions, workspace):  # type: ignore[no-untyped-def]
    # 20:00 UTC on Mar 1 is 05:00 on Mar 2 in Tokyo.
    await upload(
        "messages",
        [{"user_id": "user_1", "character_id": "char_1", "created_at": "2024-03-01T20:00:00Z"}],
    )
    days = "SELECT day FROM platform_user_days WHERE workspace_id = :ws"
    async with transaction(sessions) as session:
        assert (await session.execute(text(days), {"ws": workspace})).scalars().all() == [
            date(2024, 3, 1)
        ]
        await session.execute(
            text("UPDATE workspaces SET settings = CAST(:s AS jsonb) WHERE id = :ws"),
            {"s": '{"timezone": "Asia/Tokyo"}', "ws": workspace},
        )
        await rebuild(session, workspace)
    async with sessions() as session:
        assert (await session.execute(text(days), {"ws": workspace})).scalars().all() == [
            date(2024, 3, 2)
        ]
        gaps = await session.execute(
            text("SELECT kind, day FROM platform_activity_gaps WHERE workspace_id = :ws"),
            {"ws": workspace},
        )
        assert set(gaps.all()) >= {("user", date(2024, 3, 2)), ("character", date(2024, 3, 2))}
