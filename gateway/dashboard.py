"""The live dashboard page (/dashboard) and the static files it loads (/static/...).

The page signs in (or takes an API key) and then talks to the graph only: queries over
POST /graphql and live updates over graphql-transport-ws. Its libraries are vendored in
gateway/static/vendor/, so it needs no CDN.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

# Everything the page loads comes from this origin; no inline script or style.
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


_DOCUMENT = re.compile(r"`((?:query|mutation|subscription)\s+(\w+)[^`]*)`")


def page_documents() -> list[tuple[str, str]]:
    """(operation name, text) of every GraphQL document the page's modules send."""
    found = []
    for module in sorted((STATIC_DIR / "dashboard").glob("*.js")):
        found += [(m.group(2), m.group(1)) for m in _DOCUMENT.finditer(module.read_text())]
    return found


def documents_manifest() -> str:
    """The page's documents as an Apollo persisted-query manifest (documents.json): with
    PERSISTED_QUERIES=trusted these are trusted from the start."""
    from gateway.persisted_documents import document_hash

    operations = [
        {"id": document_hash(body), "name": name, "type": body.split()[0], "body": body}
        for name, body in page_documents()
    ]
    manifest = {"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}
    return json.dumps(manifest, indent=2) + "\n"


async def page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "dashboard" / "index.html", headers=_HEADERS)


routes = [
    Route("/dashboard", page, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
]
