"""Spec 002's token refresh (`/api/v1/auth/refresh`)."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.service import RefreshRejected
from gateway.rest.auth_views import Body, with_refresh
from gateway.rest.common import fail, parse_body
from gateway.rest.families import COACHING


class RefreshRequest(Body):
    refresh_token: str = Field(min_length=1)


async def refresh(request: Request) -> Response:
    body = await parse_body(request, RefreshRequest, COACHING)
    if isinstance(body, Response):
        return body
    state = request.app.state
    try:
        pair = await state.auth.refresh(state.sessions, body.refresh_token)
    except RefreshRejected as exc:
        return fail(request, COACHING, 401, str(exc))
    payload = {
        "access_token": pair.access.token,
        "token_type": "bearer",
        "expires_in": pair.access.expires_in,
    }
    return with_refresh(JSONResponse(payload), pair)


routes = [Route("/api/v1/auth/refresh", refresh, methods=["POST"])]
