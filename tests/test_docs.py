"""Generated documentation stays equal to what the code says."""

from pathlib import Path

from gateway.devtools import ingestion_docs

ROOT = Path(__file__).resolve().parent.parent


def test_ingestion_docs_are_current() -> None:
    assert (ROOT / "docs" / "ingestion.md").read_text() == ingestion_docs(), "run `make docs`"
