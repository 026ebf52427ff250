"""Spec 004, the AI social media platform (`/v1` prefixes listed in
gateway/rest/families.py, and the legacy WebSocket /v1/ws in subscriptions/legacy_ws.py)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.routing import RestRoute
from gateway.rest.social import auth

DECLARED: list[RestRoute] = []


def routes() -> list[BaseRoute]:
    return [*auth.routes]
