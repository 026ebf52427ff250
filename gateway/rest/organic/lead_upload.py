"""The lead import's CSV upload: the same route as the JSON body, with the file either as
multipart/form-data (`file`, plus the body's other fields as form fields: `workspaceId`,
`source`, `tags` comma-separated or a JSON list, `mapping` as JSON) or as a text/csv body
(the other fields then in the query string). The CSV's header names the columns; it
decodes to the documented body, which is then validated like a JSON one."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from gateway.rest.routing import RestError, json_body

MAX_FILE_BYTES = 32 * 1024 * 1024


async def decode(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        async with request.form(max_files=1, max_part_size=MAX_FILE_BYTES) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise RestError(400, "", "Upload the CSV as the form field 'file'")
            raw = await upload.read()
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
    elif kind in ("text/csv", "application/csv"):
        raw, fields = await request.body(), dict(request.query_params)
    else:
        return await json_body(request)
    body: dict[str, Any] = {k: fields[k] for k in ("workspaceId", "source") if k in fields}
    body["data"] = _rows(raw)
    if tags := fields.get("tags"):
        body["tags"] = (
            _json(tags, "tags")
            if tags.lstrip().startswith("[")
            else [t.strip() for t in tags.split(",") if t.strip()]
        )
    if mapping := fields.get("mapping"):
        body["mapping"] = _json(mapping, "mapping")
    return body


def _rows(raw: bytes) -> list[dict[str, str]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RestError(400, "", "The CSV file must be UTF-8 text") from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames:
            raise RestError(400, "", "The CSV file has no header row")
        return [{k: v for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise RestError(400, "", f"The CSV file could not be read: {exc}") from None


def _json(value: str, name: str) -> Any:
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        raise RestError(400, "", f"The form field '{name}' must be JSON") from None
