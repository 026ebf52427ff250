"""Legacy REST surfaces: thin shims, one module per legacy family."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    from gateway.rest import docs, marketing, pipeline
    from gateway.rest.routing import routes_of

    return [*pipeline.routes, *routes_of(marketing.ROUTES), *docs.routes(marketing.ROUTES)]
