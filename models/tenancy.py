"""Workspaces, dashboard accounts, memberships and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import JsonField, TimestampField, new_id

ROLES = ("owner", "admin", "member", "viewer")


class WorkspaceBase(SQLModel):
    name: str = Field(max_length=200)
    slug: str = Field(max_length=100)
    logo_url: str | None = None
    # e.g. {"timezone": "America/New_York", "currency": "USD"}
    settings: dict[str, Any] = JsonField()
    subscription: str = Field(default="free", max_length=32)


class Workspace(WorkspaceBase, table=True):
    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("slug"),)

    id: str = Field(default_factory=lambda: new_id("ws"), primary_key=True, max_length=64)
    owner_id: str | None = Field(default=None, foreign_key="dashboard_accounts.id")
    created_at: datetime = TimestampField(default_now=True)
    updated_at: datetime = TimestampField(default_now=True)

    @property
    def timezone(self) -> str:
        return str(self.settings.get("timezone", "UTC"))


class DashboardAccountBase(SQLModel):
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=200)
    avatar_url: str | None = None
    bio: str | None = None
    timezone: str = Field(default="UTC", max_length=64)
    company: str | None = None
    subscription: str = Field(default="starter", max_length=32)
    role: str = Field(default="user", max_length=32)


class DashboardAccount(DashboardAccountBase, table=True):
    """A person who signs in to a dashboard (specs 001-004); not a platform end user."""

    __tablename__ = "dashboard_accounts"
    # Emails are stored lower-cased (the data-access functions normalise them).
    __table_args__ = (UniqueConstraint("email"),)

    id: str = Field(default_factory=lambda: new_id("usr"), primary_key=True, max_length=64)
    password_hash: str | None = None
    settings: dict[str, Any] = JsonField()
    current_workspace_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = TimestampField(default_now=True)
    updated_at: datetime = TimestampField(default_now=True)
    last_login_at: datetime | None = TimestampField(default=None)


class WorkspaceMember(SQLModel, table=True):
    __tablename__ = "workspace_members"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    workspace_id: str = Field(foreign_key="workspaces.id", primary_key=True, ondelete="CASCADE")
    account_id: str = Field(
        foreign_key="dashboard_accounts.id", primary_key=True, ondelete="CASCADE", index=True
    )
    role: str = Field(default="member", max_length=16)
    created_at: datetime = TimestampField(default_now=True)


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (CheckConstraint(f"role IN {ROLES!r}", name="role"),)

    id: str = Field(default_factory=lambda: new_id("inv"), primary_key=True, max_length=64)
    workspace_id: str = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    email: str = Field(max_length=320)
    role: str = Field(default="member", max_length=16)
    token_hash: str | None = None
    invited_by: str | None = Field(default=None, foreign_key="dashboard_accounts.id")
    expires_at: datetime = TimestampField()
    accepted_at: datetime | None = TimestampField(default=None)
    created_at: datetime = TimestampField(default_now=True)
