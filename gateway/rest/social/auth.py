"""Spec 004's register, login, logout and profile (`/v1/auth/...`, `/v1/user/profile`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.auth.accounts import AccountError
from gateway.auth.middleware import bearer_token
from gateway.auth.sessions import TokenPair
from gateway.database import transaction
from gateway.principal import principal_for
from gateway.rest.auth_views import Body, Credentials, Timezone
from gateway.rest.common import fail, parse_body
from gateway.rest.envelopes import Social, iso_seconds
from gateway.rest.families import SOCIAL
from gateway.rest.routing import ScopedRoute
from models.tenancy import DashboardAccount

PLAN_FEATURES = {
    "starter": ["5 Social Accounts", "50 Posts/month", "Basic Analytics"],
    "pro": ["15 Social Accounts", "200 Posts/month", "Advanced Analytics"],
    "premium": [
        "Unlimited Social Accounts",
        "Unlimited Posts",
        "Advanced Analytics",
        "Priority Support",
    ],
}
DEFAULT_SETTINGS = {
    "notifications": {"email": True, "push": False, "sms": False},
    "privacy": {"profileVisibility": "private", "dataSharing": False},
}


class Registration(Credentials):
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)


class Logout(Body):
    refreshToken: str | None = None


class ProfileUpdate(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    bio: str | None = Field(default=None, max_length=2000)
    timezone: Timezone | None = None
    avatar: str | None = Field(default=None, max_length=2_000_000)


def _tokens(pair: TokenPair) -> dict[str, Any]:
    return {
        "accessToken": pair.access.token,
        "refreshToken": pair.refresh.token,
        "expiresIn": pair.access.expires_in,
    }


async def register(request: Request) -> Response:
    body = await parse_body(request, Registration, SOCIAL)
    if isinstance(body, Response):
        return body
    state = request.app.state
    try:
        pair = await state.auth.register(
            state.sessions,
            email=body.email,
            password=body.password,
            name=body.name,
            company=body.company,
        )
    except AccountError as exc:
        status = 409 if "already exists" in str(exc) else 422
        return fail(
            request,
            SOCIAL,
            status,
            str(exc),
            code="VALIDATION_ERROR",
            details=[{"field": exc.field, "message": str(exc)}],
        )
    account = pair.account
    user = {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "avatar": account.avatar_url,
        "subscription": account.subscription,
        "createdAt": iso_seconds(account.created_at),
    }
    return Social.ok({"user": user, "tokens": _tokens(pair)}, status_code=201)


async def login(request: Request) -> Response:
    body = await parse_body(request, Credentials, SOCIAL)
    if isinstance(body, Response):
        return body
    state = request.app.state
    pair = await state.auth.login(state.sessions, email=body.email, password=body.password)
    if pair is None:
        return fail(request, SOCIAL, 401, "Invalid email or password")
    account = pair.account
    user = {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "avatar": account.avatar_url,
        "subscription": account.subscription,
        "lastLogin": iso_seconds(account.last_login_at),
    }
    return Social.ok({"user": user, "tokens": _tokens(pair)})


async def logout(request: Request) -> Response:
    body = await parse_body(request, Logout, SOCIAL)
    if isinstance(body, Response):
        return body
    state = request.app.state
    principal = request.scope.get("principal")
    if body.refreshToken is None and principal is None:
        return fail(request, SOCIAL, 401, "Send the refresh token, or an access token")
    await state.auth.logout(state.sessions, refresh_token=body.refreshToken, principal=principal)
    if principal is None and (token := bearer_token(request.scope)):
        await state.auth.revoke_access_token(state.sessions, token)
    return Social.message("Successfully logged out")


def _profile(account: DashboardAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "email": account.email,
        "name": account.name,
        "avatar": account.avatar_url,
        "bio": account.bio,
        "timezone": account.timezone,
        "subscription": {
            "plan": account.subscription,
            "status": account.settings.get("subscriptionStatus", "active"),
            "nextBilling": account.settings.get("nextBilling"),
            "features": PLAN_FEATURES.get(account.subscription, []),
        },
        "settings": {
            key: account.settings.get(key, value) for key, value in DEFAULT_SETTINGS.items()
        },
        "createdAt": iso_seconds(account.created_at),
        "updatedAt": iso_seconds(account.updated_at),
    }


async def get_profile(request: Request) -> Response:
    principal = principal_for(request)
    if principal.kind != "account":
        return fail(request, SOCIAL, 403, "This needs a signed-in account, not an API key")
    async with request.app.state.sessions() as session:
        account = await session.get(DashboardAccount, principal.subject)
    if account is None:
        return fail(request, SOCIAL, 404, "User not found")
    return Social.ok(_profile(account))


async def update_profile(request: Request) -> Response:
    body = await parse_body(request, ProfileUpdate, SOCIAL)
    if isinstance(body, Response):
        return body
    principal = principal_for(request)
    if principal.kind != "account":
        return fail(request, SOCIAL, 403, "This needs a signed-in account, not an API key")
    async with transaction(request.app.state.sessions) as session:
        account = await session.get(DashboardAccount, principal.subject)
        if account is None:
            return fail(request, SOCIAL, 404, "User not found")
        for field, column in (
            ("name", "name"),
            ("bio", "bio"),
            ("timezone", "timezone"),
            ("avatar", "avatar_url"),
        ):
            value = getattr(body, field)
            if value is not None:
                setattr(account, column, value)
        account.updated_at = datetime.now(UTC)
    data = {
        "id": account.id,
        "name": account.name,
        "bio": account.bio,
        "timezone": account.timezone,
        "avatar": account.avatar_url,
        "updatedAt": iso_seconds(account.updated_at),
    }
    return Social.ok(data)


routes = [
    Route("/v1/auth/register", register, methods=["POST"]),
    Route("/v1/auth/login", login, methods=["POST"]),
    Route("/v1/auth/logout", logout, methods=["POST"]),
    Route("/v1/user/profile", get_profile, methods=["GET"]),
    ScopedRoute("/v1/user/profile", update_profile, methods=["PUT"], scopes=()),
]
