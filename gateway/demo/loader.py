"""Push demo streams through the ingestion engine, one transaction per batch, with progress.

Batch ids are deterministic (`demo-s{scale}-n{seed}-{anchor}-{type}-{chunk}`), so a re-run
skips the batches this workspace already holds (without generating them) and the engine
turns any batch that slips through into a no-op (duplicate=True).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import multiprocessing
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.database import transaction
from gateway.demo.streams import DemoContext, Stream
from gateway.ingestion import (
    PreparedBatch,
    ingest_prepared,
    prepare,
    prepare_trusted,
    registry,
)

# A load this large prepares its batches in a second process (spawning one costs a couple
# of seconds; below this, a thread beside the writer is enough).
PROCESS_FROM_RECORDS = 200_000


@dataclass(frozen=True)
class Recipe:
    """What a preparing process needs to regenerate exactly the streams being loaded."""

    scale: float
    seed: int
    anchor: datetime
    domains: tuple[str, ...]


@dataclass
class StreamResult:
    data_type: str
    records: int = 0
    inserted: int = 0
    updated: int = 0
    already_loaded: int = 0
    seconds: float = 0.0


async def loaded_batches(
    sessions: async_sessionmaker[AsyncSession], workspace_id: str, prefix: str
) -> dict[str, int]:
    """batch_id -> records of the demo batches this workspace already holds."""
    async with sessions() as session:
        rows = await session.execute(
            text(
                "SELECT batch_id, records_received FROM ingestion_batches "
                "WHERE workspace_id = :ws AND batch_id LIKE :prefix"
            ),
            {"ws": workspace_id, "prefix": f"{prefix}%"},
        )
        return {batch_id: received for batch_id, received in rows}


async def load_streams(
    sessions: async_sessionmaker[AsyncSession],
    ctx: DemoContext,
    streams: Iterable[Stream],
    *,
    workspace_id: str,
    prefix: str,
    console: Console,
    recipe: Recipe | None = None,
    vacuum: bool = True,
    lanes: bool = True,
    table_loaded: Callable[[str], Awaitable[None]] | None = None,
) -> list[StreamResult]:
    """Load the streams; results in stream order.

    lanes: streams of different lanes (Stream.lane) are written on separate connections at
    once, each lane in its stream order, so PostgreSQL's work on one overlaps the other's.
    table_loaded(table): run beside the load once the last stream writing that table is in
    (the demo builds the table's deferred indexes there)."""
    streams = list(streams)
    done = await loaded_batches(sessions, workspace_id, prefix)
    results: dict[int, StreamResult] = {}
    by_lane: dict[int, list[int]] = {}
    for i, stream in enumerate(streams):
        by_lane.setdefault(stream.lane if lanes else 0, []).append(i)
    writers = Counter(_table(s.data_type) for s in streams)
    with (
        _Preparers(recipe, sum(s.total for s in streams)) as pool,
        Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]:>12}"),
            TimeElapsedColumn(),
            console=console,
            # Rendering ~60 task rows holds the GIL the batch generator needs: at rich's default
            # 10 refreshes a second the bar cost ~30 s of a scale-1 load; twice a second is enough.
            refresh_per_second=2,
        ) as progress,
    ):
        tasks = [progress.add_task(s.data_type, total=s.total, rate="") for s in streams]

        # each stream's chunks not loaded yet: what its lane prepares ahead and writes
        todo = {i: _todo(s, prefix, done) for i, s in enumerate(streams)}

        async def lane(order: list[int], preparers: _Preparers, group: asyncio.TaskGroup) -> None:
            ahead = _Ahead(preparers, ctx, workspace_id, [(streams[i], todo[i]) for i in order])
            for i in order:
                stream = streams[i]
                results[i] = await _load_stream(
                    sessions, stream, todo[i], ahead, progress, tasks[i], done, prefix
                )
                table = _table(stream.data_type)
                writers[table] -= 1
                if table_loaded is not None and table and writers[table] == 0:
                    group.create_task(table_loaded(table))

        first, *others = sorted(by_lane)
        # The other lanes prepare their (small) chunks in threads of their own, so that they
        # never queue behind the first lane's in the preparing process.
        with contextlib.ExitStack() as stack:
            extra = [stack.enter_context(_Preparers(None, 0)) for _ in others]
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(lane(by_lane[first], pool, group))
                    for key, preparers in zip(others, extra, strict=True):
                        group.create_task(lane(by_lane[key], preparers, group))
            except BaseExceptionGroup as failed:  # (the other lanes were cancelled)
                raise failed.exceptions[0] from None
    ordered = [results[i] for i in range(len(streams))]
    if vacuum and any(r.inserted or r.updated for r in ordered):
        await vacuum_analyze(sessions)
    return ordered


def _table(data_type: str) -> str | None:
    spec = registry.get(data_type)
    return spec.table.__tablename__ if spec is not None else None  # type: ignore[attr-defined]


def _batch_ids(stream: Stream, prefix: str) -> list[str]:
    # (batches of several chunks are named apart: a demo loaded in chunk-sized batches
    # holds other records under the same numbers)
    size = f"x{stream.batch_chunks}-" if stream.batch_chunks > 1 else ""
    return [f"{prefix}-{stream.data_type}-{size}{n:04d}" for n in range(stream.chunks)]


def _todo(stream: Stream, prefix: str, done: dict[str, int]) -> list[int]:
    return [n for n, batch_id in enumerate(_batch_ids(stream, prefix)) if batch_id not in done]


async def _load_stream(
    sessions: async_sessionmaker[AsyncSession],
    stream: Stream,
    todo: list[int],
    ahead: _Ahead,
    progress: Progress,
    task: TaskID,
    done: dict[str, int],
    prefix: str,
) -> StreamResult:
    result = StreamResult(stream.data_type)
    started = time.perf_counter()
    batch_ids = _batch_ids(stream, prefix)
    for batch_id in batch_ids:
        if batch_id in done:
            result.already_loaded += done[batch_id]
            result.records += done[batch_id]
            progress.advance(task, done[batch_id])
    for n in todo:
        batch = await ahead.take(stream, n)
        async with transaction(sessions) as session:
            written = await ingest_prepared(
                session, batch, batch_id=batch_ids[n], first_statistics=n == todo[0]
            )
        result.records += batch.records_received
        if written.duplicate:
            result.already_loaded += batch.records_received
        else:
            result.inserted += written.records_inserted
            result.updated += written.records_updated
        elapsed = time.perf_counter() - started
        progress.update(
            task, advance=batch.records_received, rate=f"{result.records / elapsed:,.0f}/s"
        )
    if todo:
        await _analyze(sessions, stream.data_type)
    result.seconds = time.perf_counter() - started
    return result


class _Preparers:
    """Where chunks are converted: a large load's second process once it has planned the
    streams (spawning it and planning take ~5 s at scale 1), a thread here until then (and
    for a small load), so the first streams need not wait for it. Either gives the same
    rows: both plan the same streams from the same recipe."""

    def __init__(self, recipe: Recipe | None, records: int) -> None:
        self.recipe = recipe
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-gen")
        self.process: ProcessPoolExecutor | None = None
        self.planned: Future[None] | None = None
        if recipe is not None and records >= PROCESS_FROM_RECORDS:
            # spawn: a clean interpreter (no event loop or connections inherited from this one)
            context = multiprocessing.get_context("spawn")
            self.process = ProcessPoolExecutor(max_workers=1, mp_context=context)
            self.planned = self.process.submit(_plan_there, recipe)

    def submit(self, stream: Stream, ctx: DemoContext, n: int, workspace_id: str) -> Future[Any]:
        if self.process is not None and self.planned is not None and self.planned.done():
            self.planned.result()  # (raises if planning failed there)
            return self.process.submit(
                prepare_chunk, self.recipe, stream.data_type, n, workspace_id
            )
        return self.thread.submit(_prepare_here, stream, ctx, n, workspace_id)

    def __enter__(self) -> _Preparers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.shutdown(cancel_futures=True)
        if self.process is not None:
            self.process.shutdown(cancel_futures=True)


class _Ahead:
    """A lane's chunks, generated and converted beside the writer (in a second process for
    a large load) while earlier ones are being written, so that Python's work overlaps
    PostgreSQL's: `depth` chunks ahead in the lane's load order, across its streams, so a
    stream's first chunk is ready when the stream before it is in. Streams built valid
    skip per-record validation."""

    def __init__(
        self,
        pool: _Preparers,
        ctx: DemoContext,
        workspace_id: str,
        work: list[tuple[Stream, list[int]]],
        depth: int = 2,
    ) -> None:
        self.pool, self.ctx, self.workspace_id, self.depth = pool, ctx, workspace_id, depth
        self.waiting = collections.deque((stream, n) for stream, chunks in work for n in chunks)
        self.submitted: collections.deque[tuple[Stream, int, Future[Any]]] = collections.deque()

    async def take(self, stream: Stream, n: int) -> PreparedBatch:
        """Chunk `n` of `stream`: the lane's next one."""
        self._top_up()
        expected, chunk, future = self.submitted.popleft()
        assert (expected.data_type, chunk) == (stream.data_type, n), "chunks taken out of order"
        self._top_up()
        fingerprint, received, columns, rows = await asyncio.wrap_future(future)
        spec = registry.get(stream.data_type)
        assert spec is not None
        return PreparedBatch(spec, self.workspace_id, fingerprint, received, columns, rows)

    def _top_up(self) -> None:
        while self.waiting and len(self.submitted) < self.depth:
            stream, n = self.waiting.popleft()
            future = self.pool.submit(stream, self.ctx, n, self.workspace_id)
            self.submitted.append((stream, n, future))


def _prepare_here(stream: Stream, ctx: DemoContext, n: int, workspace_id: str) -> tuple:
    convert = prepare_trusted if stream.built_valid else prepare
    batch = convert(
        workspace_id=workspace_id, data_type=stream.data_type, records=stream.chunk(ctx, n)
    )
    return batch.fingerprint, batch.records_received, batch.columns, batch.rows


_PLANNED: dict[Recipe, tuple[DemoContext, dict[str, Stream]]] = {}


def plan_streams(recipe: Recipe) -> tuple[DemoContext, dict[str, Stream]]:
    """In the preparing process: the recipe's streams, planned once per process (so they
    are the loader's own)."""
    planned = _PLANNED.get(recipe)
    if planned is None:
        from gateway.demo import demo_context, demo_streams

        ctx = demo_context(recipe.scale, recipe.seed, recipe.anchor)
        streams = {s.data_type: s for s in demo_streams(ctx, recipe.domains)}
        planned = _PLANNED[recipe] = (ctx, streams)
    return planned


def _plan_there(recipe: Recipe) -> None:
    plan_streams(recipe)  # (the plan stays in that process: nothing to send back)


def prepare_chunk(recipe: Recipe, data_type: str, n: int, workspace_id: str) -> tuple:
    """In the preparing process: chunk `n` of `data_type`, converted."""
    ctx, streams = plan_streams(recipe)
    return _prepare_here(streams[data_type], ctx, n, workspace_id)


async def _analyze(sessions: async_sessionmaker[AsyncSession], data_type: str) -> None:
    """Fresh statistics before the next stream: without them PostgreSQL plans the
    foreign-key checks of later events as if the table were empty (a scan per row)."""
    spec = registry.get(data_type)
    if spec is None:
        return
    async with sessions() as session:
        await session.execute(text(f"ANALYZE {spec.table.__tablename__}"))
        await session.commit()


async def vacuum_analyze(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Statistics and visibility maps for every table, rollups included, so that the first
    dashboard reads after a load are planned on real row counts and can answer from indexes
    alone, rather than waiting for autovacuum. (VACUUM cannot run inside a transaction.)"""
    engine = sessions.kw["bind"]
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM (ANALYZE)"))


def summary_table(results: list[StreamResult], title: str) -> Table:
    table = Table(title=title)
    for column in ("type", "records", "new", "updated", "already loaded", "seconds"):
        table.add_column(column, justify="left" if column == "type" else "right")
    for r in results:
        table.add_row(
            r.data_type,
            f"{r.records:,}",
            f"{r.inserted:,}",
            f"{r.updated:,}",
            f"{r.already_loaded:,}",
            f"{r.seconds:.1f}",
        )
    total = sum(r.seconds for r in results)
    table.add_row("total", f"{sum(r.records for r in results):,}", "", "", "", f"{total:.1f}")
    return table
