"""Spec 003's workspace routes: list, create, update, switch, invite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import Field
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from gateway.auth import accounts
from gateway.auth.accounts import AccountError
from gateway.auth.service import NotAllowed, NotFoundError
from gateway.database import transaction
from gateway.principal import principal_for
from gateway.request_id import request_id_of
from gateway.rest.auth_views import Body, Timezone, with_refresh
from gateway.rest.common import fail, parse_body
from gateway.rest.envelopes import Dashboard, iso_seconds
from gateway.rest.families import DASHBOARD
from gateway.rest.routing import ScopedRoute
from models.tenancy import Workspace, WorkspaceMember

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class CreateWorkspace(Body):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field(min_length=1, max_length=100, pattern=SLUG)


class WorkspaceSettings(Body):
    timezone: Timezone | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class UpdateWorkspace(Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    logoUrl: str | None = Field(default=None, max_length=2048)
    settings: WorkspaceSettings | None = None


class Invite(Body):
    email: str = Field(min_length=3, max_length=320)
    role: str = "member"


def _account_only(request: Request) -> Response | None:
    if principal_for(request).kind != "account":
        return fail(request, DASHBOARD, 403, "This needs a signed-in account, not an API key")
    return None


async def list_workspaces(request: Request) -> Response:
    if (refused := _account_only(request)) is not None:
        return refused
    principal = principal_for(request)
    async with request.app.state.sessions() as session:
        options = await accounts.memberships(session, principal.subject)
        counts = dict(
            (
                await session.execute(
                    select(WorkspaceMember.workspace_id, func.count())
                    .where(WorkspaceMember.workspace_id.in_([w.id for w, _ in options]))
                    .group_by(WorkspaceMember.workspace_id)
                )
            ).all()
        )
    workspaces = [
        {
            "id": w.id,
            "name": w.name,
            "slug": w.slug,
            "logoUrl": w.logo_url,
            "role": role,
            "memberCount": counts.get(w.id, 0),
            "subscription": w.subscription,
        }
        for w, role in options
    ]
    return Dashboard.ok({"workspaces": workspaces}, request_id_of(request.scope))


async def create_workspace(request: Request) -> Response:
    if (refused := _account_only(request)) is not None:
        return refused
    body = await parse_body(request, CreateWorkspace, DASHBOARD)
    if isinstance(body, Response):
        return body
    state = request.app.state
    async with state.sessions() as session:
        taken = await session.scalar(select(Workspace.id).where(Workspace.slug == body.slug))
    if taken:
        return fail(
            request,
            DASHBOARD,
            400,
            "Invalid input data",
            details={"slug": "This slug is already taken"},
        )
    workspace = await state.auth.create_workspace(
        state.sessions, principal_for(request), name=body.name, slug=body.slug
    )
    data = {
        "workspace": {
            "id": workspace.id,
            "name": workspace.name,
            "slug": workspace.slug,
            "ownerId": workspace.owner_id,
            "createdAt": iso_seconds(workspace.created_at),
        }
    }
    return Dashboard.ok(data, request_id_of(request.scope))


async def update_workspace(request: Request) -> Response:
    body = await parse_body(request, UpdateWorkspace, DASHBOARD)
    if isinstance(body, Response):
        return body
    principal = principal_for(request)
    workspace_id = request.path_params["workspace_id"]
    async with transaction(request.app.state.sessions) as session:
        role = await accounts.role_in(session, principal.subject, workspace_id)
        workspace = await session.get(Workspace, workspace_id) if role else None
        if workspace is None:
            return fail(request, DASHBOARD, 404, "Workspace not found")
        if role != "owner":  # as docs/security.md says: manage:workspace is the owner's
            return fail(request, DASHBOARD, 403, "Only the owner may change a workspace")
        if body.name is not None:
            workspace.name = body.name
        if body.logoUrl is not None:
            workspace.logo_url = body.logoUrl
        if body.settings is not None:
            changes: dict[str, Any] = body.settings.model_dump(exclude_none=True)
            workspace.settings = {**workspace.settings, **changes}
        workspace.updated_at = datetime.now(UTC)
    data = {
        "workspace": {
            "id": workspace.id,
            "name": workspace.name,
            "updatedAt": iso_seconds(workspace.updated_at),
        }
    }
    return Dashboard.ok(data, request_id_of(request.scope))


async def switch_workspace(request: Request) -> Response:
    state = request.app.state
    try:
        pair = await state.auth.switch_workspace(
            state.sessions, principal_for(request), request.path_params["workspace_id"]
        )
    except NotFoundError as exc:
        return fail(request, DASHBOARD, 404, str(exc))
    except NotAllowed as exc:
        return fail(request, DASHBOARD, 403, str(exc))
    data = {
        "workspace": {"id": pair.workspace.id, "name": pair.workspace.name},
        "token": pair.access.token,
    }
    return with_refresh(Dashboard.ok(data, request_id_of(request.scope)), pair)


async def invite(request: Request) -> Response:
    body = await parse_body(request, Invite, DASHBOARD)
    if isinstance(body, Response):
        return body
    state = request.app.state
    try:
        invitation = await state.auth.invite(
            state.sessions,
            principal_for(request),
            workspace_id=request.path_params["workspace_id"],
            email=body.email,
            role=body.role,
        )
    except AccountError as exc:
        return fail(request, DASHBOARD, 400, "Invalid input data", details={exc.field: str(exc)})
    except NotFoundError as exc:
        return fail(request, DASHBOARD, 404, str(exc))
    except NotAllowed as exc:
        return fail(request, DASHBOARD, 403, str(exc))
    data = {
        "invitation": {
            "id": invitation.id,
            "email": invitation.email,
            "role": invitation.role,
            "expiresAt": iso_seconds(invitation.expires_at),
        }
    }
    return Dashboard.ok(data, request_id_of(request.scope))


# Creating and switching need a signed-in account (checked by each handler), no scope.
routes = [
    ScopedRoute("/api/workspaces", list_workspaces, methods=["GET"], scopes=()),
    ScopedRoute("/api/workspaces", create_workspace, methods=["POST"], scopes=()),
    ScopedRoute(
        "/api/workspaces/{workspace_id}",
        update_workspace,
        methods=["PUT"],
        scopes=("manage:workspace",),
    ),
    ScopedRoute(
        "/api/workspaces/{workspace_id}/switch", switch_workspace, methods=["POST"], scopes=()
    ),
    ScopedRoute(
        "/api/workspaces/{workspace_id}/invite",
        invite,
        methods=["POST"],
        scopes=("manage:members",),
    ),
]
