"""One ingestion path for all data: REST upload, GraphQL mutation, CLI import and demo."""

from gateway.ingestion.engine import (
    IngestResult,
    PreparedBatch,
    ingest,
    ingest_prepared,
    prepare,
    prepare_trusted,
)
from gateway.ingestion.errors import BatchConflict, IngestionRejected, UnknownDataType
from gateway.ingestion.registry import REGISTRY, DataType, data_type_names

__all__ = [
    "REGISTRY",
    "BatchConflict",
    "DataType",
    "IngestResult",
    "IngestionRejected",
    "PreparedBatch",
    "UnknownDataType",
    "data_type_names",
    "ingest",
    "ingest_prepared",
    "prepare",
    "prepare_trusted",
]
