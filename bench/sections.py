"""docs/benchmarks.md holds one section per benchmark script, between markers, so that
re-running one script rewrites only its own figures."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nEach section is written by the script it names; re-run it to refresh.\n"


def replace_section(name: str, text: str, path: Path = DOC) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.strip()}\n{end}"
    current = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    updated = (
        pattern.sub(lambda _: block, current)
        if pattern.search(current)
        else f"{current.rstrip()}\n\n{block}\n"
    )
    path.write_text(updated)
