"""`gateway import FILE --type T`: JSON Lines or CSV through the ingestion path.

The whole file is validated before anything is written (errors name file lines). Then it is
written batch by batch, each batch in its own transaction with a batch_id derived from its
content: if a later batch is refused (say, an unknown reference), fixing the file and
running the import again skips the batches already stored and writes the rest.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gateway.database import create_engine, session_factory, transaction
from gateway.ingestion import IngestionRejected, UnknownDataType, ingest, registry
from gateway.ingestion.engine import validate
from gateway.settings import Settings


class ImportFailed(Exception):
    pass


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) pairs from a .jsonl/.ndjson/.json-lines or .csv file."""
    if path.suffix.lower() == ".csv":
        yield from _read_csv(path)
    else:
        yield from _read_jsonl(path)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise ImportFailed(f"{path}:{line_number}: not valid JSON ({exc})") from None
            if not isinstance(record, dict):
                raise ImportFailed(f"{path}:{line_number}: each line must be a JSON object")
            yield line_number, record


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Empty cells are absent fields; cells holding a JSON list or object are parsed."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            yield (
                reader.line_num,
                {k: _cell(v) for k, v in record.items() if k and v not in ("", None)},
            )


def _cell(value: str) -> Any:
    if value[:1] in "[{":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    )


async def import_path(
    settings: Settings, path: Path, *, data_type: str, batch_size: int, workspace_id: str
) -> int:
    spec = registry.get(data_type)
    if spec is None:
        raise ImportFailed(
            f"unknown data_type {data_type!r}; known: {', '.join(registry.data_type_names())}"
        )
    rows = list(read_records(path))
    problems = _validation_problems(spec, rows)
    if problems:
        raise ImportFailed("nothing was imported:\n" + "\n".join(problems))

    engine = create_engine(settings.database_url or "", pool_size=1)
    sessions = session_factory(engine)
    written = 0
    try:
        with _progress() as progress:
            task = progress.add_task(f"importing {data_type}", total=len(rows))
            for batch in _chunks(iter(rows), batch_size):
                records = [record for _, record in batch]
                digest = hashlib.sha256(
                    orjson.dumps(records, option=orjson.OPT_SORT_KEYS)
                ).hexdigest()
                try:
                    async with transaction(sessions) as session:
                        await ingest(
                            session,
                            workspace_id=workspace_id,
                            data_type=data_type,
                            records=records,
                            batch_id=f"import-{data_type}-{digest[:24]}",
                        )
                except (IngestionRejected, UnknownDataType) as exc:
                    raise ImportFailed(_describe(exc, batch, path, written)) from None
                written += len(batch)
                progress.advance(task, len(batch))
    finally:
        await engine.dispose()
    return written


def _validation_problems(
    spec: registry.DataType, rows: list[tuple[int, dict[str, Any]]]
) -> list[str]:
    try:
        validate(spec, [record for _, record in rows])
    except IngestionRejected as exc:
        lines = [
            f"  line {rows[e.index][0]}: {e.field or 'record'}: {e.message}" for e in exc.errors
        ]
        if exc.total_invalid > len({e.index for e in exc.errors}):
            lines.append(f"  ... {exc.total_invalid} invalid records in all")
        return lines
    return []


def _describe(exc: Exception, batch: list[tuple[int, Any]], path: Path, written: int) -> str:
    if isinstance(exc, IngestionRejected):
        lines = [f"  line {batch[e.index][0]}: {e.field}: {e.message}" for e in exc.errors]
        return (
            f"{path}: a batch was refused ({written} earlier records are stored; fix the file "
            "and run the import again: stored batches are skipped):\n" + "\n".join(lines)
        )
    return str(exc)
