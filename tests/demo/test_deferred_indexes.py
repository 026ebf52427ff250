"""A demo load into empty tables builds their secondary indexes after the rows are in: the
same rows and rollups as a load with the indexes kept, and the schema of a migrated database
afterwards; an interrupted load leaves the indexes to the next start."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deferred_indexes
from gateway.bootstrap import prepare_database
from gateway.database import create_engine, session_factory
from gateway.demo import load_demo
from tests.utils import services

SCALE = 0.01
ANCHOR = datetime(2025, 3, 1, tzinfo=UTC)
QUIET = Console(quiet=True)

# Values that depend on when or in which process a row was written, never on the data:
# compared as present or not, or without their write-time keys.
WRITE_TIME = {
    "ingestion_batches": {"created_at": None},
    # outbox events: ids drawn and times taken at write time
    "events": {"id": None, "created_at": None, "payload": "payload - 'timestamp' - 'reachedAt'"},
    "procrastinate_jobs": {"id": None, "scheduled_at": None},
    "program_versions": {"id": None},  # a new uuid per published version
    "workspaces": {"created_at": None, "updated_at": None},
}

_INDEXES = """
SELECT tablename, indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() ORDER BY 1, 2
"""
_TRIGGERS = """
SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY 1, 2
"""


async def _scratch(server_url: str, settings) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    url = await services.create_database(server_url)
    engine = create_engine(url, pool_size=2)
    try:
        await prepare_database(engine, settings.model_copy(update={"database_url": url}))
        yield engine
    finally:
        await engine.dispose()
        await services.drop_database(server_url, url)


@pytest.fixture
async def first(server_url, settings) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    async for engine in _scratch(server_url, settings):
        yield engine


@pytest.fixture
async def second(server_url, settings) -> AsyncIterator[AsyncEngine]:  # type: ignore[no-untyped-def]
    async for engine in _scratch(server_url, settings):
        yield engine


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple]:
    async with engine.connect() as connection:
        return [tuple(r) for r in (await connection.execute(text(sql))).all()]


async def _contents(engine: AsyncEngine) -> dict[str, list[str]]:
    """Every table's rows as text, sorted (write-time columns as present or not)."""
    tables = await _rows(
        engine,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version' ORDER BY 1",
    )
    contents = {}
    for (table,) in tables:
        columns = await _rows(
            engine,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            f"current_schema() AND table_name = '{table}' ORDER BY ordinal_position",
        )
        picked = [
            f"({c} IS NOT NULL)" if c in WRITE_TIME.get(table, ()) else f'"{c}"' for (c,) in columns
        ]
        rows = await _rows(
            engine, f"SELECT ROW({', '.join(picked)})::text AS r FROM {table} ORDER BY 1"
        )
        contents[table] = [r for (r,) in rows]
    return contents


async def _load(engine: AsyncEngine, settings, **options):  # type: ignore[no-untyped-def]
    """The demo at SCALE into `engine`; `options` are load_demo's (defer_indexes, lanes)."""
    return await load_demo(
        settings,
        scale=SCALE,
        seed=7,
        anchor=ANCHOR,
        sessions=session_factory(engine),
        console=QUIET,
        **options,
    )


async def test_deferred_load_writes_what_the_indexed_load_writes(first, second, settings):
    migrated_indexes = await _rows(first, _INDEXES)
    migrated_triggers = await _rows(first, _TRIGGERS)

    deferred = await _load(first, settings, defer_indexes=True)
    kept = await _load(second, settings, defer_indexes=False)

    # The first load did drop and rebuild indexes; the second never did.
    assert deferred.indexes is not None and kept.indexes is None
    secondary = [
        i for i in migrated_indexes if i[0] in deferred_indexes.BULK_TABLES and "UNIQUE" not in i[2]
    ]
    assert deferred.indexes.records == len(secondary) > 0

    def counts(results):  # type: ignore[no-untyped-def]
        return [(r.data_type, r.records, r.inserted, r.updated, r.already_loaded) for r in results]

    assert counts(deferred) == counts(kept)

    # The schema afterwards is the migrated one: same indexes (same definitions), triggers.
    assert await _rows(first, _INDEXES) == migrated_indexes
    assert await _rows(second, _INDEXES) == migrated_indexes
    assert await _rows(first, _TRIGGERS) == migrated_triggers
    assert await _rows(first, "SELECT * FROM deferred_indexes") == []

    # Every table, rollups included, holds the same rows.
    mine, theirs = await _contents(first), await _contents(second)
    assert mine.keys() == theirs.keys()
    assert [t for t in mine if mine[t] != theirs[t]] == []
    assert mine["platform_user_days"] and mine["character_days"] and mine["interaction_days"]


async def test_a_load_into_data_keeps_the_indexes(first, settings):
    await _load(first, settings, defer_indexes=False)
    before = await _rows(first, _INDEXES)
    assert await deferred_indexes.defer(first) == 0
    assert await _rows(first, _INDEXES) == before


async def test_an_interrupted_load_gets_its_indexes_back_on_the_next_start(first, settings):
    migrated = await _rows(first, _INDEXES)
    dropped = await deferred_indexes.defer(first)
    assert dropped > 0
    assert len(await _rows(first, _INDEXES)) == len(migrated) - dropped
    # ... the process stops here, with rows half loaded ...
    async with first.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO site_visits (workspace_id, id, visitor_id, source, created_at) "
                "VALUES (:ws, 'visit_1', 'visitor_1', 'direct', now())"
            ),
            {"ws": settings.default_workspace_id},
        )
    await prepare_database(first, settings)  # any `gateway` command, or the app starting
    assert await _rows(first, _INDEXES) == migrated
    assert await _rows(first, "SELECT * FROM deferred_indexes") == []
