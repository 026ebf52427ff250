"""Spec 001, the marketing analytics pipeline (`/v1`, except spec 004's prefixes: see
gateway/rest/families.py): token endpoints and the bulk data upload."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.pipeline import auth, upload
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = []


def routes() -> list[BaseRoute]:
    return [*upload.routes, *auth.routes]
