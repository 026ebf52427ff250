"""Who acts on a spec 003 call: the workspace the call names, with the caller's role there.

Spec 003 names the workspace on every call (`workspaceId` in the query or the body), so a
member of several workspaces acts in the one named, whatever workspace their token was
issued for (the one they last switched to). This is the one place that decides it, for
every spec 003 route, declared or hand-written:

- named and the token's own workspace: the token's principal, unchanged;
- named and another workspace: a signed-in account acts there with its role in that
  workspace (and that role's scopes); an account that is not a member, or an API key
  (bound to its own workspace), is refused with 403 FORBIDDEN "Not a member of this
  workspace";
- not named (routes whose documented form has no workspaceId, e.g. GET /api/content/{id}):
  the workspace of the named object among the caller's workspaces, else the token's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from starlette.requests import Request

from gateway.principal import ROLE_SCOPES, Principal, principal_for
from gateway.rest.routing import RestError
from models.tenancy import Workspace, WorkspaceMember

NOT_A_MEMBER = "Not a member of this workspace"


async def act_in(request: Request, named: str | None) -> Principal:
    """The principal acting in workspace `named` (the token's own when None)."""
    principal = principal_for(request)
    if not named or named == principal.workspace_id:
        return principal
    if principal.kind != "account":
        raise RestError(403, "", NOT_A_MEMBER)
    async with request.app.state.sessions() as session:
        row = (
            await session.execute(
                select(WorkspaceMember.role, Workspace.subscription)
                .join(Workspace, Workspace.id == WorkspaceMember.workspace_id)
                .where(
                    WorkspaceMember.account_id == principal.subject,
                    WorkspaceMember.workspace_id == named,
                )
            )
        ).one_or_none()
    if row is None:
        raise RestError(403, "", NOT_A_MEMBER)
    return dataclasses.replace(
        principal,
        workspace_id=named,
        role=row.role,
        scopes=ROLE_SCOPES.get(row.role, frozenset()),
        plan=row.subscription,
    )


async def _owner_workspace(request: Request, model: Any, object_id: str) -> str | None:
    """Which of the caller's workspaces holds `object_id` (None: none, or not an account)."""
    principal = principal_for(request)
    if principal.kind != "account":
        return None
    mine = select(WorkspaceMember.workspace_id).where(
        WorkspaceMember.account_id == principal.subject
    )
    async with request.app.state.sessions() as session:
        return await session.scalar(
            select(model.workspace_id)
            .where(model.id == object_id, model.workspace_id.in_(mine))
            .limit(1)
        )


def named_workspace(
    owner: tuple[Any, str] | None = None,
) -> Callable[[Request, Any, Any], Awaitable[Principal]]:
    """A RestRoute `acting` hook: the body's workspaceId, else the query's, else (with
    `owner` = (model, path parameter)) the workspace holding the object the path names."""

    async def acting(request: Request, params: Any, body: Any) -> Principal:
        named = getattr(body, "workspaceId", None) or getattr(params, "workspaceId", None)
        if named is None and owner is not None:
            model, parameter = owner
            named = await _owner_workspace(request, model, request.path_params[parameter])
        return await act_in(request, named)

    return acting
