"""Spec 000, the AI character platform's marketing API (`/api/marketing`).

routes.py declares every documented route (params.py: its query parameters; the
*_shapes.py modules: the documented response bodies; exports.py: the streamed exports;
keys.py: API-key issuance, which is identity's and protocol-specific)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.marketing import keys
from gateway.rest.marketing.routes import ROUTES
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = ROUTES


def routes() -> list[BaseRoute]:
    return [*keys.routes]
