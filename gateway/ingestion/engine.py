"""Validate a batch whole, then write it in one transaction through COPY.

Steps: validate every record (any invalid record rejects the batch, with each bad row's
index and reason) -> claim the batch_id (a re-sent batch is a no-op) -> COPY the rows into a
temporary staging table -> check references within the workspace -> upsert into the target
table -> update the rollups from the rows just written -> record the batch's domain events
(the outbox). Any failure rolls everything back.
"""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.ingestion import fk_checks, registry
from gateway.ingestion.errors import BatchConflict, IngestionRejected, RowError, UnknownDataType
from models.base import new_id
from models.system import DataGeneration, IngestionBatch
from subscriptions.outbox import record_ingested

MAX_REPORTED_ERRORS = 100
_temp_names = itertools.count()


@dataclass(frozen=True)
class IngestResult:
    batch_id: str
    data_type: str
    records_received: int
    records_inserted: int
    records_updated: int
    duplicate: bool = False  # the batch_id was seen before: nothing was written this time

    @property
    def records_unchanged(self) -> int:
        return self.records_received - self.records_inserted - self.records_updated


@dataclass(frozen=True)
class PreparedBatch:
    """A validated batch turned into table rows: all the CPU work of an upload, no I/O."""

    spec: registry.DataType
    workspace_id: str
    fingerprint: str
    records_received: int
    columns: list[str]
    rows: list[tuple[Any, ...]]


def prepare(*, workspace_id: str, data_type: str, records: Sequence[Any]) -> PreparedBatch:
    """Validate and convert a batch (raises like ingest). Pure CPU and thread-safe, so a bulk
    loader may prepare the next batch while the database writes this one."""
    spec = registry.get(data_type)
    if spec is None:
        raise UnknownDataType(data_type, registry.data_type_names())
    validated = validate(spec, records)
    columns, rows = _rows(spec, workspace_id, validated)
    return PreparedBatch(
        spec, workspace_id, _fingerprint(data_type, records), len(records), columns, rows
    )


def prepare_trusted(
    *, workspace_id: str, data_type: str, records: Sequence[dict[str, Any]]
) -> PreparedBatch:
    """`prepare` for records built valid by the gateway itself (the demo generator): each is
    constructed without validation, then converted exactly like a validated one. Never for
    records from outside; tests/demo/test_demo_validity.py validates a sample of every
    demo stream and requires the same rows from both."""
    spec = registry.get(data_type)
    if spec is None:
        raise UnknownDataType(data_type, registry.data_type_names())
    if spec.to_row is None:
        # the record's fields in the model's order, defaults where a record leaves one out
        fields = spec.record.model_fields
        defaults = {
            name: info.get_default(call_default_factory=True)
            for name, info in fields.items()
            if not info.is_required()
        }
        dumped = [{name: r.get(name, defaults.get(name)) for name in fields} for r in records]
        columns, rows = _table_rows(spec, workspace_id, dumped)
    else:
        construct = spec.record.model_construct
        columns, rows = _rows(spec, workspace_id, [construct(**record) for record in records])
    return PreparedBatch(
        spec, workspace_id, _fingerprint(data_type, records), len(records), columns, rows
    )


async def ingest(
    session: AsyncSession,
    *,
    workspace_id: str,
    data_type: str,
    records: Sequence[Any],
    batch_id: str | None = None,
) -> IngestResult:
    """Write one batch inside the session's transaction (the caller commits)."""
    batch = prepare(workspace_id=workspace_id, data_type=data_type, records=records)
    return await ingest_prepared(session, batch, batch_id=batch_id)


async def ingest_prepared(
    session: AsyncSession,
    batch: PreparedBatch,
    *,
    batch_id: str | None = None,
    first_statistics: bool = False,
) -> IngestResult:
    """Write a prepared batch inside the session's transaction (the caller commits).

    first_statistics: a bulk loader writing alone (the demo) asks for the target table to
    be analyzed before the rollups when its statistics hold no rows (never analyzed, or
    analyzed empty), so that rollups reading it back (recount_hours: a batch's hours against
    the table) are planned on its real rows, not on a guess of a handful (a nested loop
    over all 15,000 users per hour)."""
    workspace_id, data_type = batch.workspace_id, batch.spec.name
    batch_id = batch_id or f"batch_{uuid.uuid4().hex}"
    claimed = await session.execute(
        pg_insert(IngestionBatch)
        .values(
            workspace_id=workspace_id,
            batch_id=batch_id,
            data_type=data_type,
            fingerprint=batch.fingerprint,
            records_received=batch.records_received,
            records_inserted=0,
            records_updated=0,
            created_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing()
        .returning(IngestionBatch.batch_id)
    )
    if claimed.scalar_one_or_none() is None:
        return await _previous_result(session, workspace_id, batch_id, batch.fingerprint)

    inserted, updated = await _write(session, batch, first_statistics)
    await _bump_generation(session, workspace_id, batch.spec.name)
    row = await session.get(IngestionBatch, (workspace_id, batch_id))
    assert row is not None
    row.records_inserted, row.records_updated = inserted, updated
    await session.flush()
    return IngestResult(batch_id, data_type, batch.records_received, inserted, updated)


async def _bump_generation(session: AsyncSession, workspace_id: str, data_type: str) -> None:
    """Invalidate cached analytics over this data type (see gateway/cache.py)."""
    await session.execute(
        pg_insert(DataGeneration)
        .values(workspace_id=workspace_id, data_type=data_type, generation=1)
        .on_conflict_do_update(
            index_elements=["workspace_id", "data_type"],
            set_={"generation": DataGeneration.generation + 1},
        )
    )


def validate(spec: registry.DataType, records: Sequence[Any]) -> list[registry.Record]:
    """All records or none: raises IngestionRejected listing each invalid row."""
    try:
        return spec.adapter.validate_python(list(records))
    except ValidationError as exc:
        errors = [_row_error(e) for e in exc.errors(include_url=False)]
        bad_rows = {e.index for e in errors}
        raise IngestionRejected(errors[:MAX_REPORTED_ERRORS], total_invalid=len(bad_rows)) from None


def _row_error(error: Any) -> RowError:
    loc = list(error["loc"])
    index = loc.pop(0) if loc and isinstance(loc[0], int) else -1
    field = ".".join(str(part) for part in loc) or None
    return RowError(index=index, field=field, message=error["msg"])


def _fingerprint(data_type: str, records: Sequence[Any]) -> str:
    payload = orjson.dumps(
        {"data_type": data_type, "data": list(records)}, option=orjson.OPT_SORT_KEYS, default=str
    )
    return hashlib.sha256(payload).hexdigest()


async def _previous_result(
    session: AsyncSession, workspace_id: str, batch_id: str, fingerprint: str
) -> IngestResult:
    batch = (
        await session.execute(
            select(IngestionBatch).where(
                IngestionBatch.workspace_id == workspace_id, IngestionBatch.batch_id == batch_id
            )
        )
    ).scalar_one()
    if batch.fingerprint != fingerprint:
        raise BatchConflict(batch_id)
    return IngestResult(
        batch_id,
        batch.data_type,
        batch.records_received,
        batch.records_inserted,
        batch.records_updated,
        duplicate=True,
    )


def _rows(
    spec: registry.DataType, workspace_id: str, records: list[registry.Record]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and COPY-ready tuples (the last value is the record's index)."""
    if not records:
        return [], []
    # One batched dump (pydantic-core) instead of a model_dump() call per record.
    dumped = spec.adapter.dump_python(records) if spec.to_row is None else map(spec.row, records)
    return _table_rows(spec, workspace_id, dumped)


def _table_rows(
    spec: registry.DataType, workspace_id: str, dumped: Any
) -> tuple[list[str], list[tuple[Any, ...]]]:
    table = spec.table.__table__  # type: ignore[attr-defined]
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSONB)}
    rows = [_prepare(spec, row, workspace_id, json_columns) for row in dumped]
    if not rows:
        return [], []
    return list(rows[0]), [(*row.values(), i) for i, row in enumerate(rows)]


async def _write(
    session: AsyncSession, batch: PreparedBatch, first_statistics: bool = False
) -> tuple[int, int]:
    if not batch.rows:
        return 0, 0
    spec, workspace_id, columns = batch.spec, batch.workspace_id, batch.columns
    table = spec.table.__table__  # type: ignore[attr-defined]
    n = next(_temp_names)
    stage, written, before = f"_stage_{n}", f"_written_{n}", f"_before_{n}"

    conn = await (await session.connection()).get_raw_connection()
    raw = conn.driver_connection  # the asyncpg connection, inside the session's transaction
    await raw.execute(
        f"CREATE TEMP TABLE {stage} (LIKE {table.name} INCLUDING DEFAULTS, _row int) ON COMMIT DROP"
    )
    await raw.copy_records_to_table(stage, records=batch.rows, columns=[*columns, "_row"])
    set_based = await fk_checks.replace_triggers(raw, spec, stage, workspace_id)
    await _check_references(raw, spec, stage)

    key = ", ".join(("workspace_id", *spec.conflict_key))
    column_list = ", ".join(columns)
    if spec.on_conflict == "update":
        changes = ", ".join(
            f"{c} = EXCLUDED.{c}" for c in columns if c not in {"workspace_id", *spec.conflict_key}
        )
        source = (
            f"SELECT {column_list} FROM (SELECT DISTINCT ON ({key}) * FROM {stage} "
            f"ORDER BY {key}, _row DESC) AS latest"
        )
        conflict = f"ON CONFLICT ({key}) " + (
            f"DO UPDATE SET {changes}" if changes else "DO NOTHING"
        )
    else:
        source = f"SELECT {column_list} FROM {stage}"
        conflict = f"ON CONFLICT ({key}) DO NOTHING"
    await raw.execute(
        f"CREATE TEMP TABLE {written} (LIKE {table.name}, _inserted bool) ON COMMIT DROP"
    )
    needs_before = _needs_before(spec)
    if needs_before:
        await _capture_before(raw, table.name, key, stage, before)
    if set_based:  # the references are checked and locked above: skip the per-row triggers
        await raw.execute("SET LOCAL session_replication_role = replica")
    if needs_before:
        await _insert_new_then_capture(
            raw, table.name, key, column_list, source, stage, before, written
        )
        source = f"SELECT * FROM ({source}) s WHERE {_absent(key, written, 's')}"
    await raw.execute(
        f"WITH w AS (INSERT INTO {table.name} AS t ({column_list}) {source} {conflict} "
        f"RETURNING t.*, (xmax = 0) AS _inserted) INSERT INTO {written} SELECT * FROM w"
    )
    if set_based:  # (on error the rollback undoes the SET LOCAL too)
        await raw.execute("SET LOCAL session_replication_role = DEFAULT")
    if first_statistics and spec.rollups:
        no_rows = "SELECT reltuples <= 0 FROM pg_class WHERE oid = $1::regclass"
        if await raw.fetchval(no_rows, table.name):
            await raw.execute(f"ANALYZE {table.name}")
    if spec.rollups:
        # Row counts for the rollups' plans: without them every join over the batch is
        # planned as if it held a handful of rows (nested loops, quadratic on a big batch).
        await raw.execute(f"ANALYZE {written}")
    for sql in spec.rollups:
        statement = sql.format(ins=written, old=before)
        if ":ws" in statement:
            await raw.execute(statement.replace(":ws", "$1"), workspace_id)
        else:
            await raw.execute(statement)
    if spec.events:
        await record_ingested(raw, spec.events, written, workspace_id, before=before)
    inserted, updated = await raw.fetchrow(
        f"SELECT count(*) FILTER (WHERE _inserted), count(*) FILTER (WHERE NOT _inserted) "
        f"FROM {written}"
    )
    return inserted, updated


def _needs_before(spec: registry.DataType) -> bool:
    """Only upserted types whose events or rollups read the old row pay for a pre-image."""
    return spec.on_conflict == "update" and any(
        "{old}" in sql for sql in (*spec.events, *spec.rollups)
    )


async def _capture_before(raw: Any, table: str, key: str, stage: str, before: str) -> None:
    """Copy the rows this batch is about to update into `before` (the events' `{old}`).

    FOR UPDATE locks them until the batch commits, so no other writer can change a row
    between this copy and the upsert: `{old}` is exactly what the upsert replaces."""
    await raw.execute(f"CREATE TEMP TABLE {before} (LIKE {table}) ON COMMIT DROP")
    await raw.execute(
        f"INSERT INTO {before} SELECT t.* FROM {table} t "
        f"WHERE ({key}) IN (SELECT {key} FROM {stage}) FOR UPDATE OF t"
    )


def _absent(key: str, table: str, alias: str) -> str:
    """SQL: the row `alias` has no row with its key in `table`."""
    on = " AND ".join(f"x.{c} = {alias}.{c}" for c in key.split(", "))
    return f"NOT EXISTS (SELECT 1 FROM {table} x WHERE {on})"


async def _insert_new_then_capture(
    raw: Any,
    table: str,
    key: str,
    columns: str,
    source: str,
    stage: str,
    before: str,
    written: str,
) -> None:
    """Insert the batch's rows whose key had no row when `before` was captured, and add to
    `before` those another batch created meanwhile.

    The insert waits for a concurrent batch inserting the same key; once that one has
    committed, its row is the pre-image of this batch's update, so rollups that add a row
    and take its pre-image away count the id once (not once per batch)."""
    await raw.execute(
        f"WITH w AS (INSERT INTO {table} AS t ({columns}) "
        f"SELECT * FROM ({source}) s WHERE {_absent(key, before, 's')} "
        f"ON CONFLICT ({key}) DO NOTHING RETURNING t.*, TRUE AS _inserted) "
        f"INSERT INTO {written} SELECT * FROM w"
    )
    keys = ", ".join(f"t.{c}" for c in key.split(", "))
    await raw.execute(
        f"INSERT INTO {before} SELECT t.* FROM {table} t "
        f"WHERE ({keys}) IN (SELECT {key} FROM {stage}) "
        f"AND {_absent(key, before, 't')} AND {_absent(key, written, 't')} FOR UPDATE OF t"
    )


def _prepare(
    spec: registry.DataType, row: dict[str, Any], workspace_id: str, json_columns: set[str]
) -> dict[str, Any]:
    if spec.id_prefix and row.get("id") is None:
        row["id"] = new_id(spec.id_prefix)
    for column in json_columns & row.keys():
        row[column] = orjson.dumps(row[column], default=_json_default).decode()
    return {"workspace_id": workspace_id, **row}


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value).__name__)


async def _check_references(raw: Any, spec: registry.DataType, stage: str) -> None:
    errors: list[RowError] = []
    for column, target in spec.references.items():
        missing = await raw.fetch(
            f"SELECT s._row, s.{column} AS ref FROM {stage} s WHERE s.{column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.workspace_id = s.workspace_id "
            f"AND r.id = s.{column}) ORDER BY s._row LIMIT {MAX_REPORTED_ERRORS}"
        )
        errors += [
            RowError(row["_row"], column, f"unknown {column} '{row['ref']}' (not in {target})")
            for row in missing
        ]
    if errors:
        errors.sort(key=lambda e: e.index)
        raise IngestionRejected(errors[:MAX_REPORTED_ERRORS], total_invalid=len(errors))
