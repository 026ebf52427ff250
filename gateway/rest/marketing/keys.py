"""Spec 000's `POST /api/marketing/keys/generate`."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.auth.keys import create_key, validate_allowlist, validate_scopes
from gateway.database import transaction
from gateway.principal import principal_for
from gateway.rest.auth_views import Body
from gateway.rest.common import fail, parse_body
from gateway.rest.envelopes import iso_millis
from gateway.rest.families import MARKETING
from gateway.rest.routing import ScopedRoute


class KeyRequest(Body):
    name: str = Field(min_length=1, max_length=200)
    permissions: list[str] = Field(min_length=1, max_length=20)
    ipWhitelist: list[str] = Field(default_factory=list, max_length=100)


async def generate(request: Request) -> Response:
    principal = principal_for(request)
    body = await parse_body(request, KeyRequest, MARKETING)
    if isinstance(body, Response):
        return body
    try:
        scopes = validate_scopes(body.permissions, principal)
        allowlist = validate_allowlist(body.ipWhitelist)
    except PermissionError as exc:
        return fail(request, MARKETING, 403, str(exc))
    except ValueError as exc:
        return fail(request, MARKETING, 400, str(exc))
    async with transaction(request.app.state.sessions) as session:
        key = await create_key(
            session,
            workspace_id=principal.workspace_id,
            name=body.name,
            scopes=scopes,
            ip_allowlist=allowlist,
            created_by=principal.subject if principal.kind == "account" else None,
        )
    data = {
        "apiKey": key.secret,
        "name": key.row.name,
        "permissions": key.row.scopes,
        "createdAt": iso_millis(key.row.created_at),
    }
    return JSONResponse({"success": True, "data": data})


# manage:keys: owners and admins; an API key never holds it, so a key cannot mint keys.
routes = [
    ScopedRoute("/api/marketing/keys/generate", generate, methods=["POST"], scopes=("manage:keys",))
]
