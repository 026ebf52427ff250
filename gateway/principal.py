"""Who is calling, in which workspace, with which role and scopes.

Every surface (GraphQL over HTTP and WebSocket, each REST family) reads the caller's
`Principal` from here; permissions and tenant scoping are decided from it and nothing else.
Until the identity layer authenticates callers, a local caller is the anonymous principal
of the default workspace with every scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

READ_SCOPES = frozenset(
    {
        "read:analytics",
        "read:users",
        "read:characters",
        "read:revenue",
        "read:content",
        "read:campaigns",
    }
)
WRITE_SCOPES = frozenset({"write:data", "write:content", "write:campaigns", "write:webhooks"})
# What an API key may be given (spec 000's read scopes plus the other specs' writes).
KEY_SCOPES = READ_SCOPES | WRITE_SCOPES
MANAGE_SCOPES = frozenset(
    {"manage:keys", "manage:members", "manage:workspace", "manage:integrations", "read:audit"}
)
ALL_SCOPES = KEY_SCOPES | MANAGE_SCOPES

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "viewer": READ_SCOPES,
    "member": READ_SCOPES | {"write:data", "write:content", "write:campaigns"},
    "admin": KEY_SCOPES | {"manage:keys", "manage:members", "manage:integrations", "read:audit"},
    "owner": ALL_SCOPES,
}


@dataclass(frozen=True)
class Principal:
    workspace_id: str
    subject: str  # account id, API key id, or "anonymous"
    kind: str = "anonymous"  # "account" | "api_key" | "anonymous"
    role: str = "owner"  # owner | admin | member | viewer
    scopes: frozenset[str] = field(default_factory=lambda: ALL_SCOPES)
    email: str | None = None
    plan: str = "free"  # the workspace's subscription tier (rate limits by tier)
    token_id: str | None = None  # the access token's jti (logout revokes it)
    token_family: str | None = None  # its login's refresh family (sign-out revokes it)

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
