"""The data types ingestion accepts: each maps a validated record schema onto one table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, TypeAdapter
from sqlmodel import SQLModel


def _as_utc(value: datetime) -> datetime:
    """Times without an offset are taken as UTC; every stored time is timezone-aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class Record(BaseModel):
    """Base of every ingestion record: unknown keys are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


@dataclass(frozen=True, kw_only=True)
class DataType:
    name: str
    domain: str
    description: str
    record: type[Record]
    table: type[SQLModel]
    example: Mapping[str, Any]
    # Records shown (and accepted) with the example: ids other types' examples refer to.
    more_examples: tuple[Mapping[str, Any], ...] = ()
    # Columns (besides workspace_id) that identify a row; a re-sent row matches on these.
    conflict_key: tuple[str, ...] = ("id",)
    # "update": the newest record replaces the row (entities); "ignore": first one wins (events).
    on_conflict: Literal["update", "ignore"] = "update"
    # When set, a record without an `id` gets a new one with this prefix.
    id_prefix: str | None = None
    # column -> table that must already hold that id in the same workspace.
    references: Mapping[str, str] = field(default_factory=dict)
    # SQL run after the rows are written, in the same transaction. `{ins}` names a temporary
    # table of the rows written (`_inserted` tells new from updated); `:ws` is the workspace;
    # with on_conflict="update", `{old}` holds the updated rows as they were (as for events).
    rollups: tuple[str, ...] = ()
    # Domain events, recorded in the same transaction after the rollups: each a SELECT of
    # (type, subject, payload) over `{ins}` (see subscriptions/outbox.py, docs/events.md).
    # With on_conflict="update", `{old}` holds the updated rows as they were before the batch.
    events: tuple[str, ...] = ()
    # record -> column values; by default the record's fields.
    to_row: Callable[[Any], dict[str, Any]] | None = None

    @property
    def adapter(self) -> TypeAdapter[list[Any]]:
        return _adapter(self.record)

    def row(self, record: Record) -> dict[str, Any]:
        return self.to_row(record) if self.to_row else record.model_dump()


_ADAPTERS: dict[type, TypeAdapter[list[Any]]] = {}


def _adapter(record: type[Record]) -> TypeAdapter[list[Any]]:
    if record not in _ADAPTERS:
        _ADAPTERS[record] = TypeAdapter(list[record])  # type: ignore[valid-type]
    return _ADAPTERS[record]


REGISTRY: dict[str, DataType] = {}


def register(*data_types: DataType) -> None:
    for data_type in data_types:
        if data_type.name in REGISTRY:
            raise ValueError(f"data_type {data_type.name!r} registered twice")
        REGISTRY[data_type.name] = data_type


def data_type_names() -> list[str]:
    _load_all()
    return sorted(REGISTRY)


def get(name: str) -> DataType | None:
    _load_all()
    return REGISTRY.get(name)


def _load_all() -> None:
    """Import every domain's data types (they register themselves on import)."""
    import gateway.ingestion.types  # noqa: F401
