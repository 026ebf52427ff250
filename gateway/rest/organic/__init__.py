"""Spec 003, the organic marketing dashboard (`/api`, its family is DASHBOARD in
gateway/rest/families.py): sign-in, workspaces, webhooks."""

from __future__ import annotations

from starlette.routing import BaseRoute

from gateway.rest.organic import auth, webhooks, workspaces
from gateway.rest.routing import RestRoute

DECLARED: list[RestRoute] = []


def routes() -> list[BaseRoute]:
    return [*auth.routes, *workspaces.routes, *webhooks.routes]
