"""GET /v1/export/csv/{metric_name}: one metric as CSV (`timestamp,metric_value,count`),
streamed. Protocol-specific (streaming), so the handler calls the query engine itself:
the same validation (models/analytics/ads_query.py) and the same SQL in keyset batches of
buckets (models/analytics/ads_sql.py), so memory stays flat however long the export."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

from gateway.query_stats import ENGINE
from gateway.rest.envelopes import Pipeline
from gateway.rest.pipeline import shapes
from gateway.rest.pipeline.params import ExportParams
from gateway.rest.routing import Call, RestError, RestRoute
from models.analytics import ads_registry as reg
from models.analytics import ads_sql
from models.analytics.ads_query import QueryRejected, check_dimensions, prepare
from resolvers.ads_metrics import field_path

HEADER = "timestamp,metric_value,count\n"


async def export(call: Call) -> Response:
    started = time.perf_counter()
    params: ExportParams = call.params
    name = call.request.path_params["metric_name"]
    workspace_id = call.principal.workspace_id
    try:
        query = prepare(
            metrics=[{"name": name, "data_type": params.data_type}],
            start=params.start_time,
            end=params.end_time,
            granularity=params.granularity,
            limit=reg.MAX_LIMIT,
        )
        async with call.context.sessions() as session:
            await check_dimensions(session, workspace_id=workspace_id, query=query)
    except QueryRejected as exc:
        field = shapes.series_field(field_path(exc.path))
        details = (
            {"field": field, "issue": exc.message}
            if exc.issue
            else [{"field": field, "message": exc.message}]
        )
        raise RestError(422, "", exc.message, details) from None

    async def body() -> AsyncIterator[str]:
        header = HEADER
        with ENGINE.computing():
            async with call.context.sessions() as session:
                async for batch in ads_sql.export_batches(
                    session, workspace_id=workspace_id, query=query
                ):
                    yield header + batch
                    header = ""
        if header:  # no rows: the header alone
            yield header
        ENGINE.record(time.perf_counter() - started, cache_hit=False)

    filename = f"{name}_{params.data_type}_{query.start:%Y%m%dT%H%M%SZ}.csv"
    return StreamingResponse(
        body(),
        media_type="text/csv",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


ROUTE = RestRoute(
    method="GET",
    path="/v1/export/csv/{metric_name}",
    summary="One metric as CSV (timestamp,metric_value,count), streamed",
    tag="Export",
    envelope=Pipeline,
    scopes=("read:analytics",),
    params=ExportParams,
    handler=export,
)
