"""Legacy REST surfaces: thin shims, one module per legacy family."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    from gateway.rest import (
        auth_coaching,
        auth_dashboard,
        auth_pipeline,
        auth_social,
        docs,
        marketing,
        marketing_keys,
        pipeline,
        webhooks,
        workspaces,
    )
    from gateway.rest.routing import routes_of

    modules = (
        pipeline,
        auth_pipeline,
        auth_coaching,
        auth_dashboard,
        workspaces,
        auth_social,
        marketing_keys,
        webhooks,
    )
    return [
        *(route for module in modules for route in module.routes),
        *routes_of(marketing.ROUTES),
        *docs.routes(marketing.ROUTES),
    ]
