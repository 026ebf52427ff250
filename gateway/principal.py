"""Who is calling, in which workspace, with which role and scopes.

Every surface (GraphQL over HTTP and WebSocket, each REST family) reads the caller's
`Principal` from here; permissions and tenant scoping are decided from it and nothing else.
Until the identity layer authenticates callers, a local caller is the anonymous principal
of the default workspace with every scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

READ_SCOPES = frozenset(
    {"read:analytics", "read:users", "read:characters", "read:revenue", "read:content"}
)
WRITE_SCOPES = frozenset({"write:data", "write:content", "write:campaigns", "write:webhooks"})
ALL_SCOPES = READ_SCOPES | WRITE_SCOPES


@dataclass(frozen=True)
class Principal:
    workspace_id: str
    subject: str  # account id, API key id, or "anonymous"
    kind: str = "anonymous"  # "account" | "api_key" | "anonymous"
    role: str = "owner"  # owner | admin | member | viewer
    scopes: frozenset[str] = field(default_factory=lambda: ALL_SCOPES)

    def can(self, scope: str) -> bool:
        return scope in self.scopes


def principal_for(connection: HTTPConnection) -> Principal:
    """The authenticated principal of a request (set by the authentication middleware)."""
    principal = connection.scope.get("principal")
    if isinstance(principal, Principal):
        return principal
    return Principal(
        workspace_id=connection.app.state.settings.default_workspace_id, subject="anonymous"
    )


def workspace_for(connection: HTTPConnection) -> str:
    return principal_for(connection).workspace_id


def principal_from_token(token: str, settings: Any) -> Principal | None:
    """The principal a bearer token (JWT or API key) stands for, or None.

    STUB until the identity layer lands (the lead replaces it): it accepts only, and only
    in development, `dev:<workspace_id>`, the anonymous principal of that workspace with
    every scope, so the legacy WebSocket can be exercised locally and in tests.
    """
    if getattr(settings, "is_development", False) and token.startswith("dev:"):
        workspace_id = token.removeprefix("dev:")
        if workspace_id:
            return Principal(workspace_id=workspace_id, subject="dev-token")
    return None
