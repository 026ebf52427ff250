"""POST /v1/data/upload: the graph's `uploadData` (resolvers/ingestion.py) in spec 001's
form. Validation of the records, the all-or-nothing write and the re-sent batch_id rule are
ingestion's; errors carry spec 001's details (`data[i].field`)."""

from __future__ import annotations

from typing import Any

from gateway.rest.envelopes import Pipeline
from gateway.rest.pipeline import shapes
from gateway.rest.pipeline.params import UploadBody, started
from gateway.rest.routing import Call, RestRoute


def _variables(call: Call) -> dict[str, Any]:
    started(call)
    body: UploadBody = call.body
    return {"dataType": body.data_type, "data": body.data, "batchId": body.batch_id}


ROUTE = RestRoute(
    method="POST",
    path="/v1/data/upload",
    summary="Upload a batch of records (all or nothing; a re-sent batch_id writes nothing)",
    tag="Data",
    envelope=Pipeline,
    scopes=("write:data",),
    body=UploadBody,
    operation="mutation($dataType: String!, $data: [JSON!]!, $batchId: String) { "
    "uploadData(dataType: $dataType, data: $data, batchId: $batchId) { batchId dataType "
    "recordsReceived duplicate } }",
    variables=_variables,
    respond=shapes.upload,
)
