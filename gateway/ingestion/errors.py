"""Why a batch was refused. Each carries what a caller needs to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RowError:
    index: int  # position of the record in the batch's `data` list
    field: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"index": self.index, "field": self.field, "message": self.message}


class IngestionError(Exception):
    """Base: nothing of the batch was written."""

    code = "VALIDATION_ERROR"


@dataclass
class UnknownDataType(IngestionError):
    data_type: str
    known: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"Unknown data_type '{self.data_type}'"


@dataclass
class IngestionRejected(IngestionError):
    """The batch has invalid records; it is rejected whole (never half-written)."""

    errors: list[RowError]
    total_invalid: int = 0

    def __str__(self) -> str:
        return f"Validation failed: {self.total_invalid or len(self.errors)} invalid record(s)"


@dataclass
class BatchConflict(IngestionError):
    """The batch_id was used before for different data."""

    batch_id: str
    code = "BATCH_CONFLICT"

    def __str__(self) -> str:
        return f"batch_id '{self.batch_id}' was already used for a different payload"
