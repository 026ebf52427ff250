"""One ingestion path for all data: REST upload, GraphQL mutation, CLI import and demo."""

from gateway.ingestion.engine import IngestResult, ingest
from gateway.ingestion.errors import BatchConflict, IngestionRejected, UnknownDataType
from gateway.ingestion.registry import REGISTRY, DataType, data_type_names

__all__ = [
    "REGISTRY",
    "BatchConflict",
    "DataType",
    "IngestResult",
    "IngestionRejected",
    "UnknownDataType",
    "data_type_names",
    "ingest",
]
