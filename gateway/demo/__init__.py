"""`gateway demo`: a deterministic, realistic dataset loaded through the ingestion path.

Same seed, scale and anchor -> the same records. Every time lies in the ~13 months before
the anchor (default: today 00:00 UTC; a re-run reuses the anchor of the demo already in the
workspace, so re-running on another day still writes nothing twice).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway import deferred_indexes
from gateway.database import create_engine, session_factory
from gateway.demo.calendar import Calendar, default_anchor
from gateway.demo.domains import DOMAINS
from gateway.demo.loader import (
    Recipe,
    StreamResult,
    load_streams,
    summary_table,
    vacuum_analyze,
)
from gateway.demo.streams import DemoContext, Stream
from gateway.settings import Settings

__all__ = [
    "DOMAIN_NAMES",
    "DemoMismatch",
    "DemoResults",
    "StreamResult",
    "demo_context",
    "demo_streams",
    "load_demo",
]

# PostgreSQL settings for the demo's own sessions (never the app's):
# - synchronous_commit off: a commit returns before its WAL reaches the disk. A crash may
#   lose the last batches committed (never corrupt or half-write one); a re-run reloads
#   exactly the batches missing, so for demo data that is an acceptable trade.
# - temp_buffers 256MB: each batch stages its rows in two temporary tables (~10-20 MB for a
#   50,000-row batch); the default 8MB spills them to disk.
# - enable_nestloop off: the first batch of a stream lands in tables still empty at plan
#   time (never analyzed), so the planner takes them for tiny and nests a scan of them in a
#   loop over the batch; a 50,000-row batch then rescans them per row (a scale-1 sessions
#   batch: 12 s in one retention statement, 0.4 s with hash joins). Demo batches are large,
#   so hash and merge joins are the right plans throughout.
# - work_mem 128MB: a 300,000-row batch's rollups group and join it by day, user and
#   character; at the default 4MB those hash tables spill to temporary files.
BULK_LOAD_SETTINGS = {
    "synchronous_commit": "off",
    "temp_buffers": "256MB",
    "enable_nestloop": "off",
    "work_mem": "128MB",
}
_PREFIX = re.compile(r"^(demo-s[^-]+-n\d+)-(\d{8})-")


class DemoMismatch(RuntimeError):
    """The workspace already holds a demo made with another scale or seed."""


def demo_context(scale: float, seed: int, anchor: datetime | None = None) -> DemoContext:
    anchor = (anchor or default_anchor()).astimezone(UTC)
    anchor = anchor.replace(hour=0, minute=0, second=0, microsecond=0)  # a whole day
    return DemoContext(scale=scale, seed=seed, anchor=anchor, calendar=Calendar(anchor))


DOMAIN_NAMES = tuple(name for name, _ in DOMAINS)
# Domains whose generators build every record in its final types (spec 000's, which holds
# nearly all of the records); the others' records are validated like any upload.
BUILT_VALID_DOMAINS = frozenset({"platform"})
# Spec 000's domain is written on one connection, the others on a second one at once: their
# data types reference, and their rollups and triggers write, tables of their own only
# (every table but the shared bookkeeping: ingestion_batches, data_generations and the
# outbox, a row per batch or event each), so the two lanes never touch the same row.
OWN_LANE_DOMAINS = frozenset({"platform"})


def demo_streams(ctx: DemoContext, domains: tuple[str, ...] = DOMAIN_NAMES) -> Iterator[Stream]:
    """The chosen domains' streams (default: all), in load order."""
    unknown = set(domains) - set(DOMAIN_NAMES)
    if unknown:
        raise ValueError(f"unknown demo domains {sorted(unknown)}; known: {list(DOMAIN_NAMES)}")
    for name, streams in DOMAINS:
        if name in domains:
            for stream in streams(ctx):
                yield replace(
                    stream,
                    built_valid=name in BUILT_VALID_DOMAINS,
                    lane=0 if name in OWN_LANE_DOMAINS else 1,
                )


async def load_demo(
    settings: Settings,
    *,
    scale: float = 0.1,
    seed: int = 7,
    anchor: datetime | None = None,
    workspace_id: str | None = None,
    domains: tuple[str, ...] = DOMAIN_NAMES,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    console: Console | None = None,
    defer_indexes: bool = True,
    lanes: bool = True,
) -> DemoResults:
    """Load the demo into the workspace. Into empty bulk tables (and with defer_indexes),
    their secondary indexes are dropped first and each table's are built once its rows are
    in (gateway/deferred_indexes.py), beside the streams still loading; with lanes, the
    domains outside spec 000 are written beside it on a second connection. The rows and
    rollups written are the same either way (tests/demo/)."""
    workspace_id = workspace_id or settings.default_workspace_id
    console = console or Console()
    engine = None
    if sessions is None:
        engine = create_engine(
            # a connection per lane, one for the index builds beside them
            settings.database_url or "",
            pool_size=3,
            server_settings=BULK_LOAD_SETTINGS,
        )
        sessions = session_factory(engine)
    try:
        identity = f"demo-s{scale:g}-n{seed}"
        anchor = await _resolve_anchor(sessions, workspace_id, identity, anchor)
        ctx = demo_context(scale, seed, anchor)
        prefix = f"{identity}-{ctx.anchor:%Y%m%d}"
        console.print(
            f"demo: scale {scale:g}, seed {seed}, history to {ctx.anchor:%Y-%m-%d} "
            f"-> workspace {workspace_id}"
        )
        bind = sessions.kw["bind"]
        # Left by an interrupted load (preparing the database normally built them already).
        built = await _build_indexes(bind, console)
        deferred = await deferred_indexes.defer(bind) if defer_indexes else 0
        if deferred:
            console.print(f"empty tables: {deferred} secondary indexes built after the load")
        builds: list[StreamResult] = []

        async def table_loaded(table: str) -> None:
            built = await _build_indexes(bind, console, (table,))
            if built is not None:
                builds.append(built)

        try:
            results = DemoResults(
                await load_streams(
                    sessions,
                    ctx,
                    demo_streams(ctx, domains),
                    workspace_id=workspace_id,
                    prefix=prefix,
                    console=console,
                    recipe=Recipe(scale, seed, ctx.anchor, domains),
                    vacuum=False,
                    lanes=lanes,
                    table_loaded=table_loaded if deferred else None,
                )
            )
        finally:
            # The rest (also after a failed batch; an interrupted process leaves them to the
            # next start).
            if deferred:
                rest = await _build_indexes(bind, console)
                builds += [rest] if rest is not None else []
                built = _total(builds) or built
        results.indexes = built
        if built or any(r.inserted or r.updated for r in results):
            await vacuum_analyze(sessions)
    finally:
        if engine is not None:
            await engine.dispose()
    if all(r.already_loaded == r.records for r in results):
        console.print(f"already loaded: {sum(r.records for r in results):,} records, none new")
    extra = [results.indexes] if results.indexes else []
    console.print(summary_table([*results, *extra], f"demo {prefix}"))
    return results


class DemoResults(list[StreamResult]):
    """One result per data type, in load order; `indexes`: the deferred indexes' build
    (its records: how many indexes), None when the load kept them."""

    indexes: StreamResult | None = None


async def _build_indexes(
    engine: AsyncEngine, console: Console, tables: tuple[str, ...] | None = None
) -> StreamResult | None:
    """Build the deferred indexes (of `tables`, by default all), a line per table."""
    if not await deferred_indexes.pending(engine):
        return None
    started = time.perf_counter()

    def report(built: deferred_indexes.Built) -> None:
        label = f"indexes {built.table}"
        console.print(f"{label:<32} {built.indexes} built in {built.seconds:.1f} s")

    count = sum(b.indexes for b in await deferred_indexes.restore(engine, report, tables))
    if tables is not None and not count:
        return None
    return StreamResult("indexes", count, count, seconds=time.perf_counter() - started)


def _total(builds: list[StreamResult]) -> StreamResult | None:
    """The index builds as one result (seconds: their sum, though most ran beside the load)."""
    if not builds:
        return None
    count = sum(b.records for b in builds)
    return StreamResult("indexes", count, count, seconds=sum(b.seconds for b in builds))


async def _resolve_anchor(
    sessions: async_sessionmaker[AsyncSession],
    workspace_id: str,
    identity: str,
    anchor: datetime | None,
) -> datetime | None:
    """The anchor of the demo this workspace already holds (if any). Refuses to mix in a
    demo of another scale, seed or anchor: its records would reuse the same ids."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT DISTINCT substring(batch_id from '^demo-s[^-]+-n[0-9]+-[0-9]{8}-') "
                "FROM ingestion_batches WHERE workspace_id = :ws AND batch_id LIKE 'demo-%'"
            ),
            {"ws": workspace_id},
        )
        held = [m.groups() for (p,) in rows if p and (m := _PREFIX.match(p))]
    wanted = f"{anchor.astimezone(UTC):%Y%m%d}" if anchor else None
    for other, day in held:
        if other != identity or (wanted and day != wanted):
            raise DemoMismatch(
                f"workspace {workspace_id} already holds {other}-{day}; load another scale, "
                "seed or anchor into a fresh database (or workspace)"
            )
    if anchor or not held:
        return anchor
    return datetime.strptime(held[0][1], "%Y%m%d").replace(tzinfo=UTC)
