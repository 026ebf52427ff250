"""Spec 003's sign-in, sign-out, refresh and current user (`/api/auth/...`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.auth import accounts
from gateway.auth.middleware import bearer_token
from gateway.auth.service import RefreshRejected
from gateway.principal import principal_for
from gateway.request_id import request_id_of
from gateway.rest.auth_views import Credentials, with_refresh
from gateway.rest.common import fail, parse_body
from gateway.rest.envelopes import Dashboard, iso_seconds
from gateway.rest.families import DASHBOARD
from gateway.rest.routing import ScopedRoute
from models.tenancy import DashboardAccount


async def signin(request: Request) -> Response:
    body = await parse_body(request, Credentials, DASHBOARD)
    if isinstance(body, Response):
        return body
    state = request.app.state
    pair = await state.auth.login(state.sessions, email=body.email, password=body.password)
    if pair is None:
        return fail(request, DASHBOARD, 401, "Invalid email or password")
    async with state.sessions() as session:
        options = await accounts.memberships(session, pair.account.id)
    user = {
        "id": pair.account.id,
        "email": pair.account.email,
        "name": pair.account.name,
        "workspaces": [{"id": w.id, "name": w.name, "role": role} for w, role in options],
    }
    response = Dashboard.ok(
        {"token": pair.access.token, "user": user}, request_id_of(request.scope)
    )
    return with_refresh(response, pair)


async def signout(request: Request) -> Response:
    state = request.app.state
    await state.auth.logout(state.sessions, principal=principal_for(request))
    return Dashboard.ok({"message": "Successfully signed out"}, request_id_of(request.scope))


async def refresh(request: Request) -> Response:
    supplied = bearer_token(request.scope)
    if not supplied:
        return fail(request, DASHBOARD, 401, "Refresh token required as Authorization: Bearer")
    state = request.app.state
    try:
        pair = await state.auth.refresh(state.sessions, supplied)
    except RefreshRejected as exc:
        return fail(request, DASHBOARD, 401, str(exc))
    data = {"token": pair.access.token, "expiresAt": iso_seconds(pair.access.expires_at)}
    return with_refresh(Dashboard.ok(data, request_id_of(request.scope)), pair)


async def me(request: Request) -> Response:
    principal = principal_for(request)
    if principal.kind != "account":
        return fail(request, DASHBOARD, 403, "This needs a signed-in account, not an API key")
    async with request.app.state.sessions() as session:
        account = await session.get(DashboardAccount, principal.subject)
        options = await accounts.memberships(session, principal.subject) if account else []
    if account is None:
        return fail(request, DASHBOARD, 401, "The account no longer exists")
    current = next(
        (
            {"id": w.id, "name": w.name, "role": role}
            for w, role in options
            if w.id == principal.workspace_id
        ),
        None,
    )
    data = {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "avatarUrl": account.avatar_url,
        "currentWorkspace": current,
    }
    return Dashboard.ok(data, request_id_of(request.scope))


routes = [
    Route("/api/auth/signin", signin, methods=["POST"]),
    ScopedRoute("/api/auth/signout", signout, methods=["POST"], scopes=()),
    Route("/api/auth/refresh", refresh, methods=["POST"]),
    Route("/api/auth/me", me, methods=["GET"]),
]
