"""Spec 003's integration routes: list, connect, disconnect, sync and test, and the OAuth
callback that completes a connection (GET /api/integrations/callback?code=..&state=..:
the provider redirects the user's browser there, so it needs no token; the single-use
state binds it to the workspace and the user who asked, and a caller who does send a
token must be that user)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.organic import integrations as service
from gateway.principal import Principal
from gateway.request_id import request_id_of
from gateway.rest.envelopes import Dashboard
from gateway.rest.families import DASHBOARD
from gateway.rest.organic.formats import iso
from gateway.rest.organic.params import WorkspaceBody, WorkspaceQuery, declare
from gateway.rest.timestamps import iso_seconds
from resolvers.errors import GatewayError

READ = ("read:content",)
MANAGE = ("manage:integrations",)
SYNC = ("write:data",)


def _listed(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"].lower(),
        "config": row["config"],
        "lastSync": iso(row["lastSyncAt"]),
    }


class ConnectConfig(BaseModel):
    clientKey: str | None = Field(default=None, max_length=500)
    clientSecret: str | None = Field(default=None, max_length=500)
    redirectUri: str | None = Field(default=None, max_length=2048, pattern=r"^https?://\S+$")


class ConnectBody(WorkspaceBody):
    config: ConnectConfig = Field(default_factory=ConnectConfig)


class SyncBody(WorkspaceBody):
    full: bool = False


def _id(call: Any) -> str:
    return call.request.path_params["integration_id"]


ROUTES = [
    declare(
        "GET",
        "/integrations",
        "List integrations",
        "Integrations",
        READ,
        "{ integrations(withCatalog: true) { id name status config lastSyncAt } }",
        lambda data, call: {"integrations": [_listed(r) for r in data["integrations"]]},
        params=WorkspaceQuery,
    ),
    declare(
        "POST",
        "/integrations/{integration_id}/connect",
        "Connect integration (OAuth)",
        "Integrations",
        MANAGE,
        "mutation($id: ID!, $input: ConnectInput) { connectIntegration(id: $id, input: $input) "
        "{ authUrl state } }",
        lambda data, call: data["connectIntegration"],
        body=ConnectBody,
        variables=lambda call: {
            "id": _id(call),
            "input": {
                "clientKey": call.body.config.clientKey,
                "clientSecret": call.body.config.clientSecret,
                "redirectUri": call.body.config.redirectUri,
            },
        },
    ),
    declare(
        "POST",
        "/integrations/{integration_id}/disconnect",
        "Disconnect integration",
        "Integrations",
        MANAGE,
        "mutation($id: ID!) { disconnectIntegration(id: $id) }",
        lambda data, call: {"message": "Integration disconnected successfully"},
        body=WorkspaceBody,
        variables=lambda call: {"id": _id(call)},
    ),
    declare(
        "POST",
        "/integrations/{integration_id}/sync",
        "Sync integration",
        "Integrations",
        SYNC,
        "mutation($id: ID!, $full: Boolean!) { syncIntegration(id: $id, full: $full) "
        "{ id status } }",
        lambda data, call: {"jobId": data["syncIntegration"]["id"], "status": "processing"},
        body=SyncBody,
        variables=lambda call: {"id": _id(call), "full": call.body.full},
    ),
    declare(
        "POST",
        "/integrations/{integration_id}/test",
        "Test integration",
        "Integrations",
        SYNC,
        "mutation($id: ID!) { testIntegration(id: $id) { status latency connection "
        "authentication permissions } }",
        lambda data, call: {
            "status": data["testIntegration"]["status"],
            "latency": data["testIntegration"]["latency"],
            "details": {
                k: data["testIntegration"][k]
                for k in ("connection", "authentication", "permissions")
            },
        },
        body=WorkspaceBody,
        variables=lambda call: {"id": _id(call)},
    ),
]


async def callback(request: Request) -> Response:
    rid = request_id_of(request.scope)
    state, code = request.query_params.get("state"), request.query_params.get("code")
    if not state:
        return DASHBOARD.error(400, "The callback needs the state it was given", request_id=rid)
    caller = request.scope.get("principal")
    account = caller.subject if isinstance(caller, Principal) and caller.kind == "account" else None
    try:
        row = await service.complete(
            request.app.state.sessions,
            request.app.state.settings,
            state=state,
            code=code,
            error=request.query_params.get("error"),
            account_id=account,
        )
    except GatewayError as exc:
        return DASHBOARD.error(400, exc.message, request_id=rid)
    integration = {
        "id": row.id,
        "name": row.name,
        "status": row.status,
        "config": row.config,
        "lastSync": iso_seconds(row.last_sync_at) if row.last_sync_at else None,
    }
    return Dashboard.ok({"integration": integration}, rid)


routes = [Route("/api/integrations/callback", callback, methods=["GET"])]
