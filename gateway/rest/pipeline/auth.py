"""Token endpoints of spec 001 (`/v1/auth/token`) and the shared `/v1/auth/refresh`.

`/v1/auth/refresh` is claimed by two specs: spec 001 sends the refresh token as
`Authorization: Bearer`, spec 004 sends `{"refreshToken": ...}`. The body decides.
"""

from __future__ import annotations

import orjson
from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth.middleware import bearer_token
from gateway.auth.service import RefreshRejected
from gateway.rest.auth_views import Body, with_refresh
from gateway.rest.common import fail, parse_body
from gateway.rest.families import PIPELINE, SOCIAL


class TokenRequest(Body):
    username: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


def _token_body(pair) -> dict:  # type: ignore[no-untyped-def]
    return {
        "access_token": pair.access.token,
        "token_type": "bearer",
        "expires_in": pair.access.expires_in,
    }


async def token(request: Request) -> Response:
    body = await parse_body(request, TokenRequest, PIPELINE)
    if isinstance(body, Response):
        return body
    state = request.app.state
    pair = await state.auth.login(state.sessions, email=body.username, password=body.password)
    if pair is None:
        return fail(request, PIPELINE, 401, "Invalid username or password")
    return with_refresh(JSONResponse(_token_body(pair)), pair)


async def refresh(request: Request) -> Response:
    raw = await request.body()
    try:
        payload = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError:
        payload = None
    state = request.app.state
    if isinstance(payload, dict) and "refreshToken" in payload:  # spec 004's form
        supplied = payload["refreshToken"]
        if not isinstance(supplied, str) or not supplied:
            return fail(
                request,
                SOCIAL,
                422,
                "Invalid input data",
                details=[{"field": "refreshToken", "message": "Refresh token is required"}],
            )
        try:
            pair = await state.auth.refresh(state.sessions, supplied)
        except RefreshRejected as exc:
            return fail(request, SOCIAL, 401, str(exc))
        body = {
            "success": True,
            "data": {"accessToken": pair.access.token, "expiresIn": pair.access.expires_in},
        }
        return with_refresh(JSONResponse(body), pair)
    supplied = bearer_token(request.scope)  # spec 001's form
    if not supplied:
        return fail(request, PIPELINE, 401, "Refresh token required as Authorization: Bearer")
    try:
        pair = await state.auth.refresh(state.sessions, supplied)
    except RefreshRejected as exc:
        return fail(request, PIPELINE, 401, str(exc))
    return with_refresh(JSONResponse(_token_body(pair)), pair)


routes = [
    Route("/v1/auth/token", token, methods=["POST"]),
    Route("/v1/auth/refresh", refresh, methods=["POST"]),
]
