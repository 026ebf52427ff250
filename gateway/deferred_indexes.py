"""Secondary indexes of the bulk tables dropped for a load into empty tables, built after.

What pg_restore and bulk loaders do: an index built once over the loaded rows costs a
fraction of what keeping it up to date row by row costs (a scale-1 demo's messages batch
spent most of its INSERT in index maintenance). Only plain secondary indexes go: primary
keys and unique indexes stay, as the upserts' ON CONFLICT and the reference checks need
them, and nothing a batch's rollups read from is touched, so every batch writes exactly
what it writes with the indexes in place.

Safety: each definition is copied, exactly as pg_indexes shows it, into `deferred_indexes`
in the transaction that drops the index. A load interrupted midway leaves the rows there,
and preparing the database (gateway/bootstrap.py: every `gateway` command, the app's start)
builds the indexes again, so the database is never left without them for longer than that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# The tables of the demo's large streams (events; hundreds of thousands of rows at scale 1).
BULK_TABLES = (
    "messages",
    "chat_sessions",
    "images",
    "image_likes",
    "favorites",
    "creator_followers",
    "feature_usage",
    "site_visits",
    "ad_performance",
    "interactions",
    "touchpoints",
)

# Building an index sorts the whole table: in memory rather than in temporary files.
BUILD_SETTINGS = "SET LOCAL maintenance_work_mem = '512MB'"

_SECONDARY = """
SELECT x.indexname, x.tablename, x.indexdef FROM pg_indexes x
JOIN pg_namespace n ON n.nspname = x.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = x.indexname
JOIN pg_index i ON i.indexrelid = c.oid
WHERE x.schemaname = current_schema() AND x.tablename = ANY(:tables)
  AND NOT i.indisunique AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
ORDER BY x.tablename, x.indexname
"""


@dataclass(frozen=True)
class Built:
    table: str
    indexes: int
    seconds: float


async def tables_empty(connection: AsyncConnection, tables: tuple[str, ...] = BULK_TABLES) -> bool:
    """True when no workspace has a row in any of the tables (indexes span workspaces)."""
    empty = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t})" for t in tables)
    return bool((await connection.execute(text(f"SELECT {empty}"))).scalar_one())


async def defer(engine: AsyncEngine, tables: tuple[str, ...] = BULK_TABLES) -> int:
    """Drop the tables' secondary indexes if every table is empty (else nothing: a load
    into data keeps them). Returns how many were dropped."""
    async with engine.connect() as connection:
        if not await tables_empty(connection, tables):  # (the usual case: no lock taken)
            return 0
    async with engine.begin() as connection:
        # The tables stay locked until the drop commits: no row can arrive in between.
        await connection.execute(text(f"LOCK TABLE {', '.join(tables)} IN SHARE MODE"))
        if not await tables_empty(connection, tables):
            return 0
        found = (await connection.execute(text(_SECONDARY), {"tables": list(tables)})).all()
        for name, table, definition in found:
            await connection.execute(
                text(
                    "INSERT INTO deferred_indexes (index_name, table_name, definition) "
                    "VALUES (:name, :table, :definition)"
                ),
                {"name": name, "table": table, "definition": definition},
            )
            await connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return len(found)


async def pending(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.execute(text("SELECT count(*) FROM deferred_indexes"))
        return count.scalar_one()


async def restore(
    engine: AsyncEngine,
    progress: Callable[[Built], None] | None = None,
    tables: tuple[str, ...] | None = None,
) -> list[Built]:
    """Build every deferred index (of `tables`, by default all) from its recorded definition,
    one transaction each (the row goes with the build, so an interruption here too leaves
    only what is still to do)."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT index_name, table_name, definition FROM deferred_indexes "
                    "ORDER BY table_name, index_name"
                )
            )
        ).all()
    if tables is not None:
        rows = [row for row in rows if row.table_name in tables]
    by_table: dict[str, list[tuple[str, str]]] = {}
    for name, table, definition in rows:
        by_table.setdefault(table, []).append((name, definition))
    built = []
    for table, indexes in by_table.items():
        started = time.perf_counter()
        for name, definition in indexes:
            async with engine.begin() as connection:
                await connection.execute(text(BUILD_SETTINGS))
                exists = await connection.execute(
                    text("SELECT to_regclass(quote_ident(CAST(:name AS text)))"),
                    {"name": name},
                )
                if exists.scalar_one() is None:  # (already built by hand: keep that one)
                    await connection.exec_driver_sql(definition)
                await connection.execute(
                    text("DELETE FROM deferred_indexes WHERE index_name = :name"), {"name": name}
                )
        done = Built(table, len(indexes), time.perf_counter() - started)
        built.append(done)
        if progress:
            progress(done)
    return built
