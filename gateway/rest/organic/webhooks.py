"""Spec 003's webhook endpoints: POST, GET /api/webhooks and DELETE /api/webhooks/{id}.

Registration checks the URL with the SSRF guard (again at every send). Delivery, for these
and for spec 000's registrations, is subscriptions/webhooks/. The spec 003 envelope is
the shared one (gateway/rest/envelopes.py, families.py), with the request's own id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.database import transaction
from gateway.principal import principal_for
from gateway.request_id import request_id_of
from gateway.rest.common import fail
from gateway.rest.envelopes import Dashboard
from gateway.rest.families import DASHBOARD
from gateway.rest.timestamps import iso_seconds
from models.system import Webhook
from subscriptions.events import EVENT_TYPES
from subscriptions.webhooks import ssrf
from subscriptions.webhooks.signing import new_secret


def _ok(request: Request, data: Any) -> JSONResponse:
    return Dashboard.ok(data, request_id_of(request.scope))


def _error(request: Request, status: int, code: str, message: str, details: Any = None) -> Any:
    return fail(request, DASHBOARD, status, message, code=code, details=details)


def _iso(moment: datetime | None) -> str | None:
    return iso_seconds(moment) if moment else None


def _workspace_error(request: Request, workspace_id: Any) -> JSONResponse | None:
    principal = principal_for(request)
    if not principal.can("write:webhooks"):
        return _error(request, 403, "FORBIDDEN", "This needs the 'write:webhooks' scope")
    if not workspace_id:
        return _error(request, 400, "VALIDATION_ERROR", "workspaceId is required")
    if workspace_id != principal.workspace_id:
        return _error(request, 403, "FORBIDDEN", "Not a member of this workspace")
    return None


async def register(request: Request) -> JSONResponse:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return _error(request, 400, "VALIDATION_ERROR", "The body must be JSON")
    if not isinstance(body, dict):
        return _error(request, 400, "VALIDATION_ERROR", "The body must be a JSON object")
    if problem := _workspace_error(request, body.get("workspaceId")):
        return problem
    url, events, secret = body.get("url"), body.get("events"), body.get("secret")
    details = []
    if not isinstance(url, str) or len(url) > 2048:
        details.append({"field": "url", "message": "url is required"})
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        details.append({"field": "events", "message": "events must be a non-empty list"})
    elif unknown := sorted(set(events) - EVENT_TYPES.keys()):
        details.append({"field": "events", "message": f"unknown event types: {unknown}"})
    if secret is not None and (not isinstance(secret, str) or not 8 <= len(secret) <= 256):
        details.append({"field": "secret", "message": "secret must be 8-256 characters"})
    if not details:
        try:
            await ssrf.resolve_safe(url, allow_loopback=_settings(request).webhook_allow_loopback)
        except ssrf.UnsafeUrl as exc:
            details.append({"field": "url", "message": str(exc)})
    if details:
        return _error(request, 400, "VALIDATION_ERROR", "Invalid input data", details)
    webhook = Webhook(
        workspace_id=body["workspaceId"],
        url=url,
        events=list(dict.fromkeys(events)),
        secret=secret or new_secret(),
    )
    async with transaction(request.app.state.sessions) as session:
        session.add(webhook)
    data = {
        "id": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "status": webhook.status,
        "createdAt": _iso(webhook.created_at),
    }
    return _ok(request, {"webhook": data})


async def list_webhooks(request: Request) -> JSONResponse:
    workspace_id = request.query_params.get("workspaceId")
    if problem := _workspace_error(request, workspace_id):
        return problem
    async with request.app.state.sessions() as session:
        rows = await session.scalars(
            select(Webhook)
            .where(Webhook.workspace_id == workspace_id)
            .order_by(Webhook.created_at, Webhook.id)
        )
        webhooks = [
            {
                "id": w.id,
                "url": w.url,
                "events": w.events,
                "status": w.status,
                "lastTriggered": _iso(w.last_triggered_at),
                "failureCount": w.failure_count,
            }
            for w in rows
        ]
    return _ok(request, {"webhooks": webhooks})


async def delete_webhook(request: Request) -> JSONResponse:
    principal = principal_for(request)
    if problem := _workspace_error(request, principal.workspace_id):
        return problem
    async with transaction(request.app.state.sessions) as session:
        deleted = await session.execute(
            delete(Webhook)
            .where(
                Webhook.workspace_id == principal.workspace_id,
                Webhook.id == request.path_params["webhook_id"],
            )
            .returning(Webhook.id)
        )
        if deleted.scalar_one_or_none() is None:
            return _error(request, 404, "NOT_FOUND", "Webhook not found")
    return _ok(request, {"message": "Webhook deleted successfully"})


def _settings(request: Request) -> Any:
    return request.app.state.settings


routes = [
    Route("/api/webhooks", register, methods=["POST"]),
    Route("/api/webhooks", list_webhooks, methods=["GET"]),
    Route("/api/webhooks/{webhook_id}", delete_webhook, methods=["DELETE"]),
]
