"""Authentication: a bearer JWT or API key becomes the request's Principal; protected
routes without one answer 401 (403 for a key used outside its IP allow-list) in the
caller's format. One gate for every route, so none can be forgotten."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.auth.keys import KeyRejected, authenticate_key, looks_like_key
from gateway.auth.paths import PUBLIC_PREFIXES, PUBLIC_ROUTES, must_fail_closed
from gateway.auth.revocation import Revocations
from gateway.auth.tokens import InvalidToken, TokenService
from gateway.database import read_sessions
from gateway.errors import error_response
from gateway.observability import logs
from gateway.principal import ROLE_SCOPES, Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    status: int
    message: str


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


async def authenticate_token(
    token: str,
    *,
    tokens: TokenService,
    revocations: Revocations,
    sessions: object,
    client: str | None,
    strict: bool = True,
) -> Principal | Problem:
    """A principal for a bearer credential (API key or access JWT), or why not.

    If the revocation store (Redis) cannot answer, a `strict` call (a REST write, a
    credential endpoint) is refused and a read goes through: fail closed where it matters.
    """
    if looks_like_key(token):
        try:
            # autocommit: the lookup (and the rare last-used stamp) without BEGIN/ROLLBACK
            async with read_sessions(sessions)() as session:  # type: ignore[arg-type]
                return await authenticate_key(session, token, client)
        except KeyRejected as exc:
            return Problem(exc.status, str(exc))
    try:
        claims = tokens.decode(token, expected_type="access")
    except InvalidToken:
        return Problem(401, "Invalid or expired token")
    try:
        revoked = await revocations.is_revoked(claims["jti"])
    except Exception:
        log.warning("revocation store unavailable", exc_info=True)
        if strict:
            return Problem(503, "Authentication temporarily unavailable")
        revoked = False
    if revoked:
        return Problem(401, "This token has been revoked")
    role = claims.get("role", "viewer")
    return Principal(
        workspace_id=claims["ws"],
        subject=claims["sub"],
        kind="account",
        role=role,
        scopes=ROLE_SCOPES.get(role, frozenset()),
        email=claims.get("email"),
        plan=claims.get("plan", "free"),
        token_id=claims["jti"],
        token_family=claims.get("fam"),
    )


def is_public(scope: Scope) -> bool:
    method, path = scope.get("method", "GET"), scope["path"]
    # /graphql decides itself (gateway/graphql_view.py): anonymous callers may only sign in.
    return (method, path) in PUBLIC_ROUTES or path == "/graphql" or path.startswith(PUBLIC_PREFIXES)


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        token = bearer_token(scope)
        outcome: Principal | Problem | None = None
        if token:
            outcome = await authenticate_token(
                token,
                tokens=state.auth.tokens,
                revocations=state.auth.revocations,
                sessions=state.sessions,
                client=client_address(scope),
                strict=must_fail_closed(scope.get("method", "GET"), scope["path"]),
            )
        if isinstance(outcome, Problem):
            scope["auth_problem"] = outcome
        if isinstance(outcome, Principal):
            scope["principal"] = outcome
            logs.bind_principal(outcome.subject, outcome.workspace_id)
        elif outcome is None and isinstance(scope.get("principal"), Principal):
            outcome = scope["principal"]  # set by an enclosing trusted layer (tests only)
        # WebSockets authenticate in their own handshake (connection_init, {"type": "auth"}).
        if scope["type"] == "http" and not isinstance(outcome, Principal) and not is_public(scope):
            problem = outcome or Problem(
                401, "Authentication required: send a bearer token or API key"
            )
            response = error_response(scope, problem.status, problem.message)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
