"""Authentication: a bearer JWT or API key becomes the request's Principal; protected
routes without one answer 401 (403 for a key used outside its IP allow-list) in the
caller's format. One gate for every route (a step of gateway/pipeline.py), so none can be
forgotten."""

from __future__ import annotations

import logging
from typing import Any

from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import Scope

from gateway.auth.paths import PUBLIC_PREFIXES, PUBLIC_ROUTES
from gateway.auth.principals import Problem
from gateway.errors import error_response
from gateway.observability import logs
from gateway.principal import Principal

log = logging.getLogger(__name__)

__all__ = ["Problem", "authenticate", "authenticate_token", "bearer_token"]


def bearer_token(scope: Scope) -> str | None:
    authorization = Headers(scope=scope).get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if scope["type"] == "websocket":  # browsers cannot set headers on WebSockets
        return QueryParams(scope.get("query_string", b"")).get("token")
    return None


def client_address(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


async def authenticate_token(token: str, *, state: Any, client: str | None) -> Principal | Problem:
    """A principal for a bearer credential (API key or access JWT), resolved against the
    live account, membership and revocations (gateway/auth/principals.py), or why not."""
    return await state.auth.principals.resolve(token, sessions=state.sessions, client=client)


def is_public(scope: Scope) -> bool:
    method, path = scope.get("method", "GET"), scope["path"]
    # /graphql decides itself (gateway/graphql_view.py): anonymous callers may only sign in.
    return (method, path) in PUBLIC_ROUTES or path == "/graphql" or path.startswith(PUBLIC_PREFIXES)


async def authenticate(scope: Scope) -> Response | None:
    """The request's principal, put in the scope, from its bearer credential; for a
    protected HTTP route without one, the refusal to send instead (401, or the credential's
    own problem). WebSockets authenticate in their own handshake (connection_init,
    {"type": "auth"}), so they are never refused here."""
    state = scope["app"].state
    token = bearer_token(scope)
    outcome: Principal | Problem | None = None
    if token:
        outcome = await authenticate_token(token, state=state, client=client_address(scope))
    if isinstance(outcome, Problem):
        scope["auth_problem"] = outcome
    if isinstance(outcome, Principal):
        scope["principal"] = outcome
        logs.bind_principal(outcome.subject, outcome.workspace_id)
    elif outcome is None and isinstance(scope.get("principal"), Principal):
        outcome = scope["principal"]  # set by an enclosing trusted layer (tests only)
    if scope["type"] == "http" and not isinstance(outcome, Principal) and not is_public(scope):
        problem = outcome or Problem(401, "Authentication required: send a bearer token or API key")
        return error_response(scope, problem.status, problem.message)
    return None
