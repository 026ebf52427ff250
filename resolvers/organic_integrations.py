"""Spec 003's integration writes: connect (an OAuth authorization URL and its state),
disconnect, sync (a job) and test (the adapter's real check); and a sync's status. The
OAuth callback that completes a connection is the REST route /api/integrations/callback
(the provider redirects a browser there, with no token)."""

from __future__ import annotations

import dataclasses

import strawberry

from gateway.adapters import integrations as adapters
from gateway.organic import integrations as service
from gateway.organic import syncs
from models.organic_work import IntegrationSync as SyncRow
from resolvers.context import Info
from resolvers.errors import BadUserInput
from resolvers.node import Node, from_row, register_node
from resolvers.permissions import HasScope


@strawberry.input
class ConnectInput:
    client_key: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = strawberry.field(
        default=None, description="Where the provider sends the user back (default: the callback)."
    )


@strawberry.type
class Authorization:
    auth_url: str
    state: str


@strawberry.type
class IntegrationSync(Node):
    id: strawberry.ID
    integration_id: str
    full: bool
    status: str
    progress: int
    items: int
    error: str | None


@strawberry.type
class IntegrationCheck:
    status: str = strawberry.field(description="success or failed")
    latency: int = strawberry.field(description="Milliseconds the check took.")
    connection: str
    authentication: str
    permissions: str
    message: str | None


def callback_url(info: Info) -> str:
    ctx = info.context
    own = str(ctx.request.base_url) if ctx.request is not None else "http://localhost/"
    return ctx.settings.public_base(own) + "/api/integrations/callback"


@strawberry.type
class Query:
    @strawberry.field
    async def integration_sync(self, info: Info, id: strawberry.ID) -> IntegrationSync | None:
        return await _sync(info, id)


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[HasScope.of("manage:integrations")])
    async def connect_integration(
        self, info: Info, id: strawberry.ID, input: ConnectInput | None = None
    ) -> Authorization:
        ctx, given = info.context, input or ConnectInput()
        if ctx.principal.kind != "account":
            raise BadUserInput("Connecting needs a signed-in account (the state is bound to it)")
        client = {k: v for k, v in (("id", given.client_key), ("secret", given.client_secret)) if v}
        adapter = adapters.from_settings(ctx.settings, ctx.sessions, ctx.workspace_id)
        async with ctx.sessions.begin() as session:
            url, state = await service.connect(
                session,
                adapter,
                ctx.settings,
                workspace_id=ctx.workspace_id,
                account_id=ctx.principal.subject,
                integration_id=id,
                client=client,
                redirect_uri=given.redirect_uri or callback_url(info),
            )
        return Authorization(auth_url=url, state=state)

    @strawberry.mutation(permission_classes=[HasScope.of("manage:integrations")])
    async def disconnect_integration(self, info: Info, id: strawberry.ID) -> bool:
        ctx = info.context
        await service.disconnect(
            ctx.sessions, ctx.settings, workspace_id=ctx.workspace_id, integration_id=id
        )
        return True

    @strawberry.mutation(permission_classes=[HasScope.of("write:data")])
    async def sync_integration(
        self, info: Info, id: strawberry.ID, full: bool = False
    ) -> IntegrationSync:
        async with info.context.sessions.begin() as session:
            row = await syncs.request_sync(
                session, workspace_id=info.context.workspace_id, integration_id=id, full=full
            )
        return from_row(IntegrationSync, row)

    @strawberry.mutation(permission_classes=[HasScope.of("write:data")])
    async def test_integration(self, info: Info, id: strawberry.ID) -> IntegrationCheck:
        ctx = info.context
        check = await service.test(
            ctx.sessions, ctx.settings, workspace_id=ctx.workspace_id, integration_id=id
        )
        fields = dataclasses.asdict(check)
        return IntegrationCheck(
            status="success" if check.ok else "failed",
            latency=fields.pop("latency_ms"),
            **fields,
        )


async def _sync(info: Info, node_id: str) -> IntegrationSync | None:
    row = await info.context.loaders.by_id(SyncRow).load(node_id)
    return from_row(IntegrationSync, row) if row else None


register_node("sync", _sync)
