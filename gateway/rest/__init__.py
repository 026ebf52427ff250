"""Legacy REST surfaces: thin shims, one module per legacy family."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    from gateway.rest import pipeline, webhooks

    return [*pipeline.routes, *webhooks.routes]
