"""Spec 002, the coaching creator hub (`/api/v1`).

Declared routes (served and documented by the declarative mechanism): knowledge bases and
documents, programs, users, channels, analytics and the proactive engine. Protocol-specific
one: the token refresh (auth.py).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.coaching import analytics, auth, channels, knowledge, proactive, programs, users
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = [
    *knowledge.ROUTES,
    *programs.ROUTES,
    *users.ROUTES,
    *channels.ROUTES,
    *analytics.ROUTES,
    *proactive.ROUTES,
]


def routes() -> list[BaseRoute]:
    return [*auth.routes]
