"""The live dashboard page (/dashboard) and the static files it loads (/static/...).

The page signs in (or takes an API key) and then talks to the graph only: queries over
POST /graphql and live updates over graphql-transport-ws. Its libraries are vendored in
gateway/static/vendor/, so it needs no CDN.
"""

from __future__ import annotations

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


async def page(request: Request) -> Response:
    return FileResponse(STATIC_DIR / "dashboard" / "index.html", headers=_HEADERS)


routes = [
    Route("/dashboard", page, methods=["GET"]),
    Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
]
