"""Spec 002's knowledge management: create a knowledge base; upload, list, get, update and
delete its documents. An upload is multipart/form-data (`file`, optional `title` and
`metadata` as JSON); the document is processed into chunks by a job afterwards."""

from __future__ import annotations

import base64
from pathlib import PurePosixPath
from typing import Any

import orjson
from pydantic import Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from gateway.rest.coaching.params import (
    READ,
    WRITE,
    Body,
    Name,
    PageQuery,
    Text,
    declare,
    found,
    iso,
    pagination,
    path_id,
)
from gateway.rest.routing import Call, RestError

# What an upload may be: at most 10 MB, of one of these types (by extension, or by the
# part's content type when the name has none).
MAX_FILE_BYTES = 10 * 1024 * 1024
FILE_TYPES = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
CONTENT_TYPES = {
    "text/plain": "txt",
    "text/markdown": "md",
    "text/html": "html",
    "application/pdf": "pdf",
}

_DOCUMENT = (
    "id title content fileType fileSizeBytes processingStatus metadata createdAt processedAt "
    "chunkCount"
)


class KnowledgeBaseBody(Body):
    name: Name
    description: Text | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


def _knowledge_base(data: dict[str, Any], call: Call) -> Any:
    kb = data["createKnowledgeBase"]
    return {
        "id": kb["id"],
        "name": kb["name"],
        "description": kb["description"],
        "settings": kb["settings"],
        "created_at": iso(kb["createdAt"]),
        "document_count": kb["documentCount"],
        "total_size_bytes": int(kb["totalSizeBytes"]),
    }


class UploadBody(Body):
    file_name: str
    file_type: str
    data: bytes = Field(max_length=MAX_FILE_BYTES)
    title: str | None = Field(default=None, max_length=500)
    metadata: dict[str, Any] = Field(default_factory=dict)


async def decode_upload(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise RestError(422, "", "Upload the document as multipart/form-data (field 'file')")
    try:
        async with request.form(max_files=1, max_part_size=MAX_FILE_BYTES + 1) as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise RestError(422, "", "Upload the document as the form field 'file'")
            raw = await upload.read(MAX_FILE_BYTES + 1)
            fields = {k: v for k, v in form.items() if isinstance(v, str)}
            name, content_type = upload.filename or "", upload.content_type or ""
    except (MultiPartException, HTTPException) as exc:
        message = str(getattr(exc, "message", None) or getattr(exc, "detail", exc))
        if "size" in message.lower():
            raise _too_large() from None
        raise RestError(422, "", f"The multipart body could not be read: {message}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large()
    file_type = _file_type(name, content_type)
    metadata: Any = {}
    if fields.get("metadata"):
        try:
            metadata = orjson.loads(fields["metadata"])
        except orjson.JSONDecodeError:
            raise RestError(
                422, "", "The form field 'metadata' must be JSON",
                [{"field": "metadata", "message": "must be a JSON object"}],
            ) from None  # fmt: skip
    return {
        "file_name": name,
        "file_type": file_type,
        "data": raw,
        "title": fields.get("title") or None,
        "metadata": metadata,
    }


def _too_large() -> RestError:
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return RestError(
        413, "", f"The file is larger than {limit} MB",
        [{"field": "file", "message": f"at most {MAX_FILE_BYTES} bytes"}],
    )  # fmt: skip


def _file_type(name: str, content_type: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    kind = FILE_TYPES.get(suffix) if suffix else CONTENT_TYPES.get(content_type.split(";")[0])
    if kind is None:
        accepted = ", ".join(sorted(FILE_TYPES))
        raise RestError(
            422, "", f"Unsupported file type {suffix or content_type!r}; accepted: {accepted}",
            [{"field": "file", "message": f"accepted types: {accepted}"}],
        )  # fmt: skip
    return kind


def _upload_variables(call: Call) -> dict[str, Any]:
    body: UploadBody = call.body
    title = body.title or PurePosixPath(body.file_name).stem or "Untitled"
    return {
        "kb": path_id(call, "knowledge_base_id", "Knowledge base"),
        "input": {
            "title": title[:500],
            "fileType": body.file_type,
            "fileSizeBytes": len(body.data),
            "metadata": body.metadata,
            "contentBase64": base64.b64encode(body.data).decode(),
        },
    }


def _uploaded(data: dict[str, Any], call: Call) -> Any:
    doc = data["createKbDocument"]
    return {
        "id": doc["id"],
        "title": doc["title"],
        "file_type": doc["fileType"],
        "file_size_bytes": int(doc["fileSizeBytes"]),
        "processing_status": doc["processingStatus"],
        "created_at": iso(doc["createdAt"]),
    }


class DocumentsQuery(PageQuery):
    status: str | None = Field(default=None, pattern="^(pending|processing|completed|failed)$")
    search: str | None = Field(default=None, max_length=200)


def _listed(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "title": doc["title"],
        "file_type": doc["fileType"],
        "file_size_bytes": int(doc["fileSizeBytes"]),
        "processing_status": doc["processingStatus"],
        "created_at": iso(doc["createdAt"]),
        "chunk_count": doc["chunkCount"],
    }


def _documents(data: dict[str, Any], call: Call) -> Any:
    found(data["knowledgeBase"], "Knowledge base")
    page = data["kbDocumentPage"]
    return {
        "documents": [_listed(doc) for doc in page["items"]],
        "pagination": pagination(page, call),
    }


def _document_of(data: dict[str, Any], call: Call) -> dict[str, Any]:
    doc = found(data["kbDocument"], "Document")
    if doc["knowledgeBaseId"] != path_id(call, "knowledge_base_id", "Knowledge base"):
        raise RestError(404, "", "Document not found")
    return doc


def _detail(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": doc["id"],
        "title": doc["title"],
        "content": doc["content"],
        "file_type": doc["fileType"],
        "file_size_bytes": int(doc["fileSizeBytes"]),
        "processing_status": doc["processingStatus"],
        "metadata": doc["metadata"],
        "created_at": iso(doc["createdAt"]),
        "processed_at": iso(doc["processedAt"]),
        "chunk_count": doc["chunkCount"],
        "chunks": [
            {
                "id": c["id"],
                "chunk_index": c["chunkIndex"],
                "content": c["content"],
                "metadata": c["metadata"],
            }
            for c in doc["chunks"]
        ],
    }


def _document(data: dict[str, Any], call: Call) -> Any:
    return _detail(_document_of(data, call))


class DocumentUpdateBody(Body):
    title: str | None = Field(default=None, min_length=1, max_length=500)
    metadata: dict[str, Any] | None = None


def _ids(call: Call) -> dict[str, Any]:
    return {
        "kb": path_id(call, "knowledge_base_id", "Knowledge base"),
        "id": path_id(call, "document_id", "Document"),
    }


_DOCS = "/knowledge-bases/{knowledge_base_id}/documents"
_DETAIL = f"{_DOCUMENT} knowledgeBaseId chunks {{ id chunkIndex content metadata }}"

ROUTES = [
    declare(
        "POST",
        "/knowledge-bases",
        "Create a knowledge base",
        "Knowledge",
        WRITE,
        "mutation($input: KnowledgeBaseInput!) { createKnowledgeBase(input: $input) { "
        "id name description settings createdAt documentCount totalSizeBytes } }",
        _knowledge_base,
        body=KnowledgeBaseBody,
        variables=lambda call: {"input": call.body.model_dump()},
        status_code=201,
    ),
    declare(
        "POST",
        _DOCS,
        "Upload a document (multipart: file, title, metadata; at most 10 MB of .txt, .md, "
        ".html or .pdf)",
        "Knowledge",
        WRITE,
        "mutation($kb: ID!, $input: DocumentUpload!) { createKbDocument(knowledgeBaseId: $kb, "
        "input: $input) { id title fileType fileSizeBytes processingStatus createdAt } }",
        _uploaded,
        body=UploadBody,
        decode_body=decode_upload,
        variables=_upload_variables,
        status_code=201,
    ),
    declare(
        "GET",
        _DOCS,
        "List a knowledge base's documents",
        "Knowledge",
        READ,
        "query($kb: ID!, $page: Int!, $limit: Int!, $status: ProcessingStatus, $search: String) "
        "{ knowledgeBase(id: $kb) { id } kbDocumentPage(knowledgeBaseId: $kb, page: $page, "
        f"limit: $limit, status: $status, search: $search) {{ total items {{ {_DOCUMENT} }} }} }}",
        _documents,
        params=DocumentsQuery,
        variables=lambda call: {
            "kb": path_id(call, "knowledge_base_id", "Knowledge base"),
            "page": call.params.page,
            "limit": call.params.limit,
            "status": call.params.status.upper() if call.params.status else None,
            "search": call.params.search or None,
        },
    ),
    declare(
        "GET",
        _DOCS + "/{document_id}",
        "Get a document with its chunks",
        "Knowledge",
        READ,
        f"query($id: ID!) {{ kbDocument(id: $id) {{ {_DETAIL} }} }}",
        _document,
        variables=lambda call: {"id": _ids(call)["id"]},
    ),
    declare(
        "PUT",
        _DOCS + "/{document_id}",
        "Update a document's title and metadata",
        "Knowledge",
        WRITE,
        "mutation($kb: ID!, $id: ID!, $input: DocumentUpdate!) { "
        f"updateKbDocument(knowledgeBaseId: $kb, id: $id, input: $input) {{ {_DETAIL} }} }}",
        lambda data, call: _detail(data["updateKbDocument"]),
        body=DocumentUpdateBody,
        variables=lambda call: {**_ids(call), "input": call.body.model_dump(exclude_none=True)},
    ),
    declare(
        "DELETE",
        _DOCS + "/{document_id}",
        "Delete a document and its chunks",
        "Knowledge",
        WRITE,
        "mutation($kb: ID!, $id: ID!) { deleteKbDocument(knowledgeBaseId: $kb, id: $id) { id } }",
        lambda data, call: {"message": "Document deleted successfully"},
        variables=_ids,
    ),
]
