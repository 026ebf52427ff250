"""The organic dashboard's work in progress (spec 003): every email the gateway sends to a
lead, OAuth handshakes waiting for their callback, and integration syncs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field

from models.base import TenantScoped, TimestampField, new_id, tenant_fk

# `skipped`: a sequence step whose condition the lead did not meet when it fell due.
MESSAGE_STATUSES = ("pending", "sent", "bounced", "deferred", "failed", "skipped")
SYNC_STATUSES = ("processing", "complete", "failed")


class EmailMessage(TenantScoped, table=True):
    """One email of a campaign, or of a sequence's step, to one lead (`msg_...`). Written
    `pending` before the send and settled after it, so a retried job never sends a lead the
    same campaign or step twice; a step not sent for its condition is recorded `skipped`."""

    __tablename__ = "email_messages"
    __table_args__ = (
        tenant_fk("campaign_id", "email_campaigns"),
        tenant_fk("step_id", "sequence_steps"),
        UniqueConstraint("workspace_id", "campaign_id", "lead_id"),
        UniqueConstraint("workspace_id", "step_id", "lead_id"),
        CheckConstraint(f"status IN {MESSAGE_STATUSES!r}", name="status"),
        CheckConstraint("(campaign_id IS NULL) <> (step_id IS NULL)", name="campaign_or_step"),
        Index(None, "workspace_id", "lead_id"),
    )

    id: str = Field(default_factory=lambda: new_id("msg"), primary_key=True, max_length=64)
    campaign_id: str | None = Field(default=None, max_length=64)
    step_id: str | None = Field(default=None, max_length=64)
    lead_id: str = Field(max_length=64)
    email: str = Field(max_length=320)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    message_id: str | None = Field(default=None, max_length=255)
    error: str | None = None
    created_at: datetime = TimestampField(default_now=True)
    sent_at: datetime | None = TimestampField(default=None)
    # The first time its open pixel was loaded (gateway/organic/opens.py); later loads keep it.
    opened_at: datetime | None = TimestampField(default=None)


class OAuthState(TenantScoped, table=True):
    """A pending OAuth authorization: `id` is the SHA-256 of the state handed to the client
    (the state itself is never stored), bound to the workspace and the account that asked;
    used once, before `expires_at`."""

    __tablename__ = "oauth_states"
    __table_args__ = (Index(None, "id", unique=True), Index(None, "expires_at"))

    id: str = Field(primary_key=True, max_length=64)
    integration_id: str = Field(max_length=64)
    provider: str = Field(max_length=32)
    account_id: str = Field(max_length=64)
    redirect_uri: str = Field(max_length=2048)
    client: str | None = None  # the client's own app credentials, sealed
    created_at: datetime = TimestampField(default_now=True)
    expires_at: datetime = TimestampField()
    used_at: datetime | None = TimestampField(default=None)


class IntegrationSync(TenantScoped, table=True):
    """A sync of one integration through its provider adapter (`sync_...`)."""

    __tablename__ = "integration_syncs"
    __table_args__ = (
        CheckConstraint(f"status IN {SYNC_STATUSES!r}", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index(None, "workspace_id", "integration_id", "created_at"),
    )

    id: str = Field(default_factory=lambda: new_id("sync"), primary_key=True, max_length=64)
    integration_id: str = Field(max_length=64)
    full: bool = False
    status: str = Field(default="processing", max_length=16)
    progress: int = 0
    items: int = 0  # content metrics rows brought in
    error: str | None = None
    created_at: datetime = TimestampField(default_now=True)
    finished_at: datetime | None = TimestampField(default=None)
