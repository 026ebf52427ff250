"""Knowledge base documents processed on the job engine: the uploaded file's text extracted
(plain text, Markdown, HTML, PDF through pypdf), cut into overlapping chunks and stored
with a full-text index; processing_status goes pending -> processing -> completed, or
failed with the reason in metadata.processing_error.

Idempotent: a document already completed or failed is left alone, and a retry replaces
the chunks of an attempt that did not finish (one transaction writes them all).
"""

from __future__ import annotations

import io
import re
import uuid
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import delete

from gateway.jobs.runtime import Runtime
from models.base import utcnow
from models.coaching import KbDocument, KbDocumentChunk, KbDocumentSource, KnowledgeBase

DEFAULT_CHUNK_SIZE = 1000
DEFAULT_CHUNK_OVERLAP = 200


class Unreadable(ValueError):
    """The file's text cannot be extracted (the reason is the message)."""


class _Text(HTMLParser):
    _SKIPPED = {"script", "style", "head", "template"}
    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def extract_text(file_type: str, data: bytes) -> str:
    if file_type == "pdf":
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            reader = PdfReader(io.BytesIO(data))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
        except (PdfReadError, ValueError, KeyError) as exc:
            raise Unreadable(f"the PDF could not be read: {exc}") from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Unreadable("the file is not UTF-8 text") from None
        if file_type == "html":
            parser = _Text()
            parser.feed(text)
            text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text.replace("\x00", ""))
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    if not text:
        raise Unreadable("the file holds no text")
    return text


def chunks(text: str, size: int, overlap: int) -> list[str]:
    """Pieces of at most `size` characters, each starting `overlap` characters before the
    previous one ended, cut at whitespace where there is some."""
    size = max(100, size)
    overlap = max(0, min(overlap, size // 2))
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > start else end
        pieces.append(text[start:end].strip())
        if end >= len(text):
            break
        start = max(end - overlap, start + 1)
    return [p for p in pieces if p]


async def process(runtime: Runtime, workspace_id: str, document_id: str) -> str:
    key = uuid.UUID(document_id)
    async with runtime.sessions.begin() as session:
        doc = await session.get(KbDocument, (workspace_id, key), with_for_update=True)
        if doc is None or doc.processing_status in ("completed", "failed"):
            return "skipped"
        doc.processing_status = "processing"
    async with runtime.sessions.begin() as session:
        doc = await session.get(KbDocument, (workspace_id, key), with_for_update=True)
        if doc is None or doc.processing_status != "processing":
            return "skipped"
        source = await session.get(KbDocumentSource, (workspace_id, key))
        kb = await session.get(KnowledgeBase, (workspace_id, doc.knowledge_base_id))
        settings = (kb.settings if kb else None) or {}
        try:
            if source is None:
                raise Unreadable("the uploaded file is missing")
            text = extract_text(doc.file_type, source.data)
        except Unreadable as exc:
            doc.processing_status, doc.processed_at = "failed", utcnow()
            doc.meta = {**doc.meta, "processing_error": str(exc)}
            return "failed"
        pieces = chunks(
            text,
            _int(settings.get("chunk_size"), DEFAULT_CHUNK_SIZE),
            _int(settings.get("chunk_overlap"), DEFAULT_CHUNK_OVERLAP),
        )
        c = KbDocumentChunk
        await session.execute(delete(c).where(c.workspace_id == workspace_id, c.document_id == key))
        session.add_all(
            KbDocumentChunk(
                workspace_id=workspace_id,
                id=uuid.uuid4(),
                document_id=key,
                chunk_index=n,
                content=piece,
            )
            for n, piece in enumerate(pieces)
        )
        doc.content = text
        doc.processing_status, doc.processed_at = "completed", utcnow()
    return "completed"


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
