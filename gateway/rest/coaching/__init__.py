"""Spec 002, the coaching creator hub (`/api/v1`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.coaching import auth
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = []


def routes() -> list[BaseRoute]:
    return [*auth.routes]
