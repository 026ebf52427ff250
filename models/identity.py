"""Refresh-token families, token revocations and the access audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.base import TimestampField, new_id


class RefreshToken(SQLModel, table=True):
    """One issued refresh token. A token is used once: using it issues the next one of its
    family; presenting a used token again revokes the whole family (it was stolen)."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index(None, "family_id"),)

    jti: str = Field(primary_key=True, max_length=64)
    family_id: str = Field(max_length=64)
    account_id: str = Field(foreign_key="dashboard_accounts.id", ondelete="CASCADE", index=True)
    workspace_id: str = Field(foreign_key="workspaces.id", ondelete="CASCADE")
    issued_at: datetime = TimestampField(default_now=True)
    expires_at: datetime = TimestampField()
    used_at: datetime | None = TimestampField(default=None)
    revoked_at: datetime | None = TimestampField(default=None)


class TokenRevocation(SQLModel, table=True):
    """A revoked access token (its jti) or login (its refresh family id), kept until every
    token it covers has expired. PostgreSQL is the record: a Redis restart cannot revive a
    token (gateway/auth/principals.py reads this with the membership)."""

    __tablename__ = "token_revocations"
    __table_args__ = (Index(None, "expires_at"),)

    token_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)  # "access" | "family"
    revoked_at: datetime = TimestampField(default_now=True)
    expires_at: datetime = TimestampField()


class AccessLogEntry(SQLModel, table=True):
    """Who called what, when, from where, and the status answered. Never a secret."""

    __tablename__ = "access_log"
    __table_args__ = (Index(None, "workspace_id", "at"),)

    id: str = Field(default_factory=lambda: new_id("log"), primary_key=True, max_length=64)
    workspace_id: str | None = Field(default=None, max_length=64)
    principal: str = Field(max_length=64)  # account or key id, or "anonymous"
    principal_kind: str = Field(max_length=16)
    method: str = Field(max_length=16)
    route: str = Field(max_length=300)  # path, or "graphql:<operation name>"
    status: int
    client: str | None = Field(default=None, max_length=64)
    request_id: str = Field(max_length=64)
    at: datetime = TimestampField(default_now=True)
