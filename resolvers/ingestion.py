"""uploadData: the GraphQL face of the one ingestion path."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from gateway.database import transaction
from gateway.ingestion import BatchConflict, IngestionRejected, UnknownDataType, ingest
from resolvers.context import Info
from resolvers.errors import GatewayError

MAX_RECORDS_PER_UPLOAD = 100_000


class IngestionFailed(GatewayError):
    """`details` lists each offending field as `data[i].field` (spec 001's error details)."""

    code = "VALIDATION_ERROR"


def _row_field(index: int, field: str | None) -> str:
    return f"data[{index}]" + (f".{field}" if field else "")


@strawberry.type
class UploadResult:
    batch_id: str
    data_type: str
    records_received: int
    records_inserted: int
    records_updated: int
    duplicate: bool = strawberry.field(
        description="The batch_id was accepted before; nothing was written this time."
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Validate and store a batch of records (all or nothing). "
        "Re-sending a batch_id writes nothing twice. See docs/ingestion.md for data types."
    )
    async def upload_data(
        self, info: Info, data_type: str, data: list[JSON], batch_id: str | None = None
    ) -> UploadResult:
        if len(data) > MAX_RECORDS_PER_UPLOAD:
            message = f"at most {MAX_RECORDS_PER_UPLOAD} records per upload"
            raise IngestionFailed(message, details=[{"field": "data", "message": message}])
        try:
            async with transaction(info.context.sessions) as session:
                result = await ingest(
                    session,
                    workspace_id=info.context.workspace_id,
                    data_type=data_type,
                    records=data,
                    batch_id=batch_id,
                )
        except UnknownDataType as exc:
            must = f"must be one of: {', '.join(exc.known)}"
            raise IngestionFailed(
                str(exc), known=exc.known, details=[{"field": "data_type", "message": must}]
            ) from None
        except IngestionRejected as exc:
            raise IngestionFailed(
                f"{exc!s}; nothing was stored",
                rows=[e.as_dict() for e in exc.errors],
                invalid=exc.total_invalid,
                details=[
                    {"field": _row_field(e.index, e.field), "message": e.message}
                    for e in exc.errors
                ],
            ) from None
        except BatchConflict as exc:
            raise IngestionFailed(
                str(exc),
                batch_id=exc.batch_id,
                legacyCode="BATCH_CONFLICT",
                details={"field": "batch_id", "issue": str(exc)},
            ) from None
        return UploadResult(
            batch_id=result.batch_id,
            data_type=result.data_type,
            records_received=result.records_received,
            records_inserted=result.records_inserted,
            records_updated=result.records_updated,
            duplicate=result.duplicate,
        )
