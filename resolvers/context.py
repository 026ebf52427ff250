"""The per-request context every resolver reads: who is asking, in which workspace, and
fresh dataloaders (one batched query per kind of thing per request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeAlias

import strawberry
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.database import read_sessions
from gateway.principal import Principal
from gateway.settings import Settings
from resolvers.loaders import Loaders


@dataclass
class Scope:
    """Tenant scoping, applied in one place: every read goes through `select`."""

    workspace_id: str

    def select(self, model: Any, *columns: Any) -> Select[Any]:
        statement = select(*columns) if columns else select(model)
        return statement.where(model.workspace_id == self.workspace_id)


@dataclass
class Context:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    scope: Scope
    loaders: Loaders
    principal: Principal
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None  # a WebSocket's connection_init payload
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def workspace_id(self) -> str:
        return self.scope.workspace_id

    @property
    def reads(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for reads only: autocommit, one round trip per statement."""
        return read_sessions(self.sessions)

    def act_as(self, principal: Principal) -> None:
        """Switch to another principal (a WebSocket authenticates after connecting)."""
        self.principal = principal
        self.scope = Scope(principal.workspace_id)
        self.loaders = Loaders(self.sessions, principal.workspace_id)


def build_context(
    *,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    principal: Principal,
    **kw: Any,
) -> Context:
    workspace_id = principal.workspace_id
    return Context(
        settings=settings,
        sessions=sessions,
        scope=Scope(workspace_id),
        loaders=Loaders(sessions, workspace_id),
        principal=principal,
        **kw,
    )


Info: TypeAlias = strawberry.Info[Context, None]
