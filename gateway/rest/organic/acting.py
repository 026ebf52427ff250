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

import orjson
from sqlalchemy import select
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.types import Message, Receive, Scope

from gateway.input_guard import buffered_body
from gateway.principal import ROLE_SCOPES, Principal, principal_for
from gateway.rest.routing import RestError
from models.tenancy import Workspace, WorkspaceMember

NOT_A_MEMBER = "Not a member of this workspace"


async def membership(sessions: Any, account_id: str, workspace_id: str) -> Any:
    """The account's role in the workspace and the workspace's plan, or None."""
    async with sessions() as session:
        return (
            await session.execute(
                select(WorkspaceMember.role, Workspace.subscription)
                .join(Workspace, Workspace.id == WorkspaceMember.workspace_id)
                .where(
                    WorkspaceMember.account_id == account_id,
                    WorkspaceMember.workspace_id == workspace_id,
                )
            )
        ).one_or_none()


async def act_in(request: Request, named: str | None) -> Principal:
    """The principal acting in workspace `named` (the token's own when None)."""
    principal = principal_for(request)
    if not named or named == principal.workspace_id:
        return principal
    if principal.kind != "account":
        raise RestError(403, "", NOT_A_MEMBER)
    row = await membership(request.app.state.sessions, principal.subject, named)
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


async def rated_principal(
    scope: Scope, receive: Receive, principal: Principal
) -> tuple[Principal, Receive]:
    """The principal whose plan sets a spec 003 call's rate limit: the plan of the
    workspace the call names (the workspaceId of its JSON or multipart body, else of its
    query) when the account is a member there, else the token's. Runs before the route,
    so it reads the body itself and hands on a receive that replays it."""
    if principal.kind != "account":
        return principal, receive
    named = None
    content_type = dict(scope.get("headers", ())).get(b"content-type", b"").lower()
    if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
        if b"json" in content_type:
            body, receive = await buffered_body(receive)
            named = _json_field(body, "workspaceId")
        elif content_type.startswith(b"multipart/form-data"):  # the lead import's CSV upload
            body, receive = await buffered_body(receive)
            named = await _form_field(scope, body, "workspaceId")
    named = named or QueryParams(scope.get("query_string", b"")).get("workspaceId")
    if not named or named == principal.workspace_id:
        return principal, receive
    row = await membership(scope["app"].state.sessions, principal.subject, named)
    if row is None:  # the route refuses the call: rated as the token's
        return principal, receive
    return dataclasses.replace(principal, plan=row.subscription or "free"), receive


def _json_field(body: bytes, name: str) -> str | None:
    try:
        payload = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        return None  # the route answers the bad body
    value = payload.get(name) if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None


async def _form_field(scope: Scope, body: bytes, name: str) -> str | None:
    async def once() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        async with Request(scope, once).form(max_files=1, max_part_size=len(body) + 1) as form:
            value = form.get(name)
    except Exception:  # a malformed form: the route answers it
        return None
    return value if isinstance(value, str) else None


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
