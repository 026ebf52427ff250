"""Spec 004, the AI social media platform (`/v1` prefixes listed in
gateway/rest/families.py, and the legacy WebSocket /v1/ws in subscriptions/legacy_ws.py).

Declared routes (served and documented by the declarative mechanism): analytics.py
(dashboard and analytics), posts.py,
campaigns.py, settings.py and accounts.py over the graph; params.py holds the request forms and the
value formats. Protocol-specific: sign-in and profile (auth.py, token issuance)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.routing import RestRoute
from gateway.rest.social import accounts, analytics, auth, campaigns, posts, settings

DECLARED: list[RestRoute] = [
    *analytics.ROUTES,
    *posts.ROUTES,
    *campaigns.ROUTES,
    *settings.ROUTES,
    *accounts.ROUTES,
]


def routes() -> list[BaseRoute]:
    return [*auth.routes]
