"""Identity in the graph: the same operations as the legacy token endpoints, and API keys.

signIn, register and refreshToken are the only fields an anonymous caller may use
(gateway/graphql_view.py lets such a request through and nothing else).
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from gateway.auth.accounts import AccountError
from gateway.auth.keys import create_key, revoke_key, validate_allowlist, validate_scopes
from gateway.auth.middleware import client_address
from gateway.auth.principal_cache import key_tag
from gateway.auth.service import NotAllowed, NotFoundError, RefreshRejected, TokenPair
from gateway.database import transaction
from models.system import ApiKey
from resolvers.context import Info
from resolvers.errors import BadUserInput, GatewayError, NotFound
from resolvers.permissions import Forbidden

PUBLIC_FIELDS = frozenset({"signIn", "register", "refreshToken"})


class Unauthenticated(GatewayError):
    code = "UNAUTHENTICATED"


@strawberry.type
class AuthPayload:
    access_token: str
    refresh_token: str
    expires_in: int
    account_id: strawberry.ID
    workspace_id: strawberry.ID
    role: str


def _payload(pair: TokenPair) -> AuthPayload:
    return AuthPayload(
        access_token=pair.access.token,
        refresh_token=pair.refresh.token,
        expires_in=pair.access.expires_in,
        account_id=pair.account.id,
        workspace_id=pair.workspace.id,
        role=pair.role,
    )


@strawberry.type
class ApiKeyInfo:
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="Not secret: identifies the key in logs.")
    scopes: list[str]
    ip_allowlist: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.type
class NewApiKey:
    api_key: str = strawberry.field(description="Shown once; only its hash is stored.")
    key: ApiKeyInfo


def _info(row: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=row.scopes,
        ip_allowlist=row.ip_allowlist,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


class RateLimited(GatewayError):
    code = "RATE_LIMITED"


async def _limit_attempt(info: Info, email: str) -> None:
    """signIn is a credential endpoint: limited per address and per account name, whatever
    token the request also carries (as the REST token endpoints, gateway/ratelimit.py)."""
    request = info.context.request
    limiter = request.app.state.rate_limiter
    if limiter.scale == 0:
        return
    verdict = await limiter.credential_attempt(
        client_address(request.scope), email.strip().lower()[:320]
    )
    if not verdict.allowed:
        raise RateLimited("Too many sign-in attempts; try again later")


@strawberry.type
class Query:
    @strawberry.field(description="This workspace's API keys (never the secrets).")
    async def api_keys(self, info: Info) -> list[ApiKeyInfo]:
        ctx = info.context
        if not ctx.principal.can("manage:keys"):
            raise Forbidden("This needs the 'manage:keys' scope")
        async with ctx.sessions() as session:
            rows = await session.scalars(ctx.scope.select(ApiKey).order_by(ApiKey.created_at))
            return [_info(row) for row in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign in with email and password.")
    async def sign_in(self, info: Info, email: str, password: str) -> AuthPayload:
        state = info.context.request.app.state
        await _limit_attempt(info, email)
        pair = await state.auth.login(state.sessions, email=email, password=password)
        if pair is None:
            raise Unauthenticated("Invalid email or password")
        return _payload(pair)

    @strawberry.mutation(description="Create an account and its own workspace.")
    async def register(
        self, info: Info, email: str, password: str, name: str, company: str | None = None
    ) -> AuthPayload:
        state = info.context.request.app.state
        try:
            pair = await state.auth.register(
                state.sessions, email=email, password=password, name=name, company=company
            )
        except AccountError as exc:
            raise BadUserInput(str(exc), argument=exc.field) from None
        return _payload(pair)

    @strawberry.mutation(description="Use a refresh token once; returns the next pair.")
    async def refresh_token(self, info: Info, refresh_token: str) -> AuthPayload:
        state = info.context.request.app.state
        try:
            return _payload(await state.auth.refresh(state.sessions, refresh_token))
        except RefreshRejected as exc:
            raise Unauthenticated(str(exc)) from None

    @strawberry.mutation(description="Revoke this login (its refresh family and this token).")
    async def sign_out(self, info: Info) -> bool:
        state = info.context.request.app.state
        await state.auth.logout(state.sessions, principal=info.context.principal)
        return True

    @strawberry.mutation(description="Act in another of your workspaces: a new token pair.")
    async def switch_workspace(self, info: Info, workspace_id: strawberry.ID) -> AuthPayload:
        state = info.context.request.app.state
        try:
            pair = await state.auth.switch_workspace(
                state.sessions, info.context.principal, workspace_id
            )
        except NotFoundError as exc:
            raise NotFound(str(exc)) from None
        except NotAllowed as exc:
            raise Forbidden(str(exc)) from None
        return _payload(pair)

    @strawberry.mutation(description="A new API key for this workspace (owners and admins).")
    async def generate_api_key(
        self, info: Info, name: str, scopes: list[str], ip_allowlist: list[str] | None = None
    ) -> NewApiKey:
        ctx = info.context
        if not ctx.principal.can("manage:keys"):
            raise Forbidden("This needs the 'manage:keys' scope")
        try:
            granted = validate_scopes(scopes, ctx.principal)
            allowlist = validate_allowlist(ip_allowlist or [])
        except PermissionError as exc:
            raise Forbidden(str(exc)) from None
        except ValueError as exc:
            raise BadUserInput(str(exc)) from None
        async with transaction(ctx.sessions) as session:
            key = await create_key(
                session,
                workspace_id=ctx.workspace_id,
                name=name,
                scopes=granted,
                ip_allowlist=allowlist,
                created_by=ctx.principal.subject if ctx.principal.kind == "account" else None,
            )
        return NewApiKey(api_key=key.secret, key=_info(key.row))

    @strawberry.mutation(description="Revoke an API key of this workspace.")
    async def revoke_api_key(self, info: Info, id: strawberry.ID) -> ApiKeyInfo:
        ctx = info.context
        if not ctx.principal.can("manage:keys"):
            raise Forbidden("This needs the 'manage:keys' scope")
        async with transaction(ctx.sessions) as session:
            await revoke_key(session, workspace_id=ctx.workspace_id, key_id=id)
            row = await session.scalar(ctx.scope.select(ApiKey).where(ApiKey.id == id))
        if row is None:
            raise NotFound("API key not found")
        # Every replica stops accepting the key now, not when its cached principal expires.
        await ctx.request.app.state.auth.principals.cache.invalidate(key_tag(row.id))
        return _info(row)
