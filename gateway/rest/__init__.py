"""Legacy REST surfaces: one package per legacy family (marketing = spec 000, pipeline =
001, coaching = 002, organic = 003, social = 004), each exposing the routes it declares
(`DECLARED`, served and documented by the declarative mechanism in routing.py) and its
protocol-specific routes (`routes()`: token issuance, uploads, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:  # routing imports the schema, which imports this package's families
    from gateway.rest.routing import RestRoute


def _families():  # type: ignore[no-untyped-def]
    from gateway.rest import coaching, marketing, organic, pipeline, social

    # Order matters only where paths overlap: spec 004's /v1 prefixes are distinct from
    # spec 001's, so any order serves the same table.
    return (pipeline, coaching, organic, social, marketing)


def declared() -> list[RestRoute]:
    """Every declared route of every family (the OpenAPI document lists these)."""
    return [route for family in _families() for route in family.DECLARED]


def routes() -> list[BaseRoute]:
    from gateway.rest import docs
    from gateway.rest.routing import routes_of

    table = declared()
    return [
        *(route for family in _families() for route in family.routes()),
        *routes_of(table),
        *docs.routes(table),
    ]
