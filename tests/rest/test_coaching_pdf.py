"""A PDF built in the test (pypdf's writer, a few pages of real text) uploaded through spec
002's route and processed by the job engine into chunks the knowledge search finds."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
)

from tests.utils.jobs import run_due_jobs


def _pdf(pages: list[list[str]]) -> bytes:
    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    font_ref = writer._add_object(font)
    for lines in pages:
        page = writer.add_blank_page(width=612, height=792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
        ops = ["BT", "/F1 11 Tf", "14 TL", "50 740 Td"]
        ops += [f"({line}) Tj T*" for line in lines]
        stream = DecodedStreamObject()
        stream.set_data(("\n".join([*ops, "ET"])).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def test_pdf_upload_is_processed_to_chunks(
    api: Any, engine: Any, settings: Any, graphql: Any
) -> None:
    kb = (
        await api.post(
            "/api/v1/knowledge-bases",
            json={"name": "Recovery", "settings": {"chunk_size": 300, "chunk_overlap": 30}},
        )
    ).json()
    pages = [
        [f"Page {p} line {n}: hydration keeps muscles supple." for n in range(20)]
        for p in range(1, 4)
    ]
    pages[2][5] = "Foam rolling after long runs eases soreness in the calves."
    data = _pdf(pages)
    assert len(data) < 8000  # small enough to build in a test, big enough to chunk
    docs = f"/api/v1/knowledge-bases/{kb['id']}/documents"
    uploaded = await api.post(
        docs,
        files={"file": ("recovery.pdf", data, "application/pdf")},
        data={"title": "Recovery notes"},
    )
    assert uploaded.status_code == 201, uploaded.text
    doc = uploaded.json()
    assert (doc["file_type"], doc["processing_status"]) == ("pdf", "pending")

    await run_due_jobs(engine, settings, queues=["coaching"])
    one = (await api.get(f"{docs}/{doc['id']}")).json()
    assert one["processing_status"] == "completed", one["metadata"]
    assert "Page 1 line 0: hydration keeps muscles supple." in one["content"]
    assert "Foam rolling after long runs" in one["content"]
    assert one["chunk_count"] == len(one["chunks"]) > 3
    assert all(len(c["content"]) <= 300 for c in one["chunks"])
    found = await graphql(
        'query($kb: ID!) { knowledgeSearch(knowledgeBaseId: $kb, query: "foam rolling") '
        "{ documentTitle snippet } }",
        {"kb": kb["id"]},
    )
    assert found.errors is None, found.errors
    top = found.data["knowledgeSearch"][0]
    assert top["documentTitle"] == "Recovery notes" and "<b>Foam</b>" in top["snippet"]
