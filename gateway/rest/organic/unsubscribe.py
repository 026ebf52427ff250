"""The unsubscribe link every campaign email carries (gateway/organic/unsubscribe.py):
GET (a click) or POST (RFC 8058 one-click) /api/email/unsubscribe?ws=..&lead=..&sig=..;
the signature is the authority, so it needs no token."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.organic import unsubscribe as service
from gateway.request_id import request_id_of
from gateway.rest.envelopes import Dashboard
from gateway.rest.families import DASHBOARD


async def unsubscribe(request: Request) -> Response:
    rid = request_id_of(request.scope)
    query = request.query_params
    ws, lead, sig = query.get("ws", ""), query.get("lead", ""), query.get("sig", "")
    settings = request.app.state.settings
    if not (ws and lead and sig) or not service.valid_link(settings, ws, lead, sig):
        return DASHBOARD.error(403, "This unsubscribe link is not valid", request_id=rid)
    async with request.app.state.sessions.begin() as session:
        found = await service.unsubscribe(session, workspace_id=ws, lead_id=lead)
    if not found:
        return DASHBOARD.error(404, "This subscriber no longer exists", request_id=rid)
    return Dashboard.ok({"message": "You have been unsubscribed"}, rid)


routes = [Route(service.PATH, unsubscribe, methods=["GET", "POST"])]
