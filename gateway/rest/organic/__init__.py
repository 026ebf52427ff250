"""Spec 003, the organic marketing dashboard (`/api`, its family is DASHBOARD in
gateway/rest/families.py): every route acts in the workspace the call names (acting.py).

Declared routes (served and documented by the declarative mechanism): the dashboard,
content and generation, email, analytics, integrations and webhooks. Protocol-specific
ones: sign-in and token refresh (auth.py), workspaces and switching (workspaces.py: token
issuance), the OAuth callback (integrations.py), unsubscribe links (unsubscribe.py) and
email open pixels (opens.py).
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.organic import (
    analytics,
    auth,
    content,
    dashboard,
    email,
    integrations,
    opens,
    unsubscribe,
    webhooks,
    workspaces,
)
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = [
    *dashboard.ROUTES,
    *content.ROUTES,
    *email.ROUTES,
    *analytics.ROUTES,
    *integrations.ROUTES,
    *webhooks.ROUTES,
]


def routes() -> list[BaseRoute]:
    return [
        *auth.routes,
        *workspaces.routes,
        *integrations.routes,
        *unsubscribe.routes,
        *opens.routes,
    ]
