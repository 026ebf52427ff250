"""Spec 001, the marketing analytics pipeline (`/v1`, except spec 004's prefixes: see
gateway/rest/families.py).

upload.py, queries.py (dashboard query, time series) and operations.py (health, statistics,
cache) declare routes over the graph; export.py streams CSV; params.py holds the request
forms and shapes.py the documented bodies; auth.py issues tokens (identity's)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.pipeline import auth, export, operations, queries, upload
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = [
    upload.ROUTE,
    *queries.ROUTES,
    export.ROUTE,
    *operations.ROUTES,
]


def routes() -> list[BaseRoute]:
    return [*auth.routes]
