"""Domain events (the outbox, which is also the activity feed) and webhook deliveries.

An event row is written in the same transaction as the data it describes; the relay
(subscriptions/relay.py) later stamps `published_at` once the broker has it and the webhook
deliveries are enqueued, so nothing is lost between a commit and its publication.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field

from models.base import JsonField, TenantScoped, TimestampField, tenant_fk

DELIVERY_STATUSES = ("pending", "delivered", "retrying", "failed", "skipped")


class DomainEvent(TenantScoped, table=True):
    """One thing that happened (`evt_...`): its type, e.g. `user.registered`, and payload."""

    __tablename__ = "events"
    __table_args__ = (
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "type", "created_at"),
        # "Once per subject" events (a user converts once) check here before recording.
        Index(None, "workspace_id", "type", "subject"),
        # The relay's work list: only unpublished rows, oldest first.
        Index(
            "ix_events_unpublished",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    type: str = Field(max_length=64)
    # The id of what the event is about (a user, a character, a milestone), when it has one.
    subject: str | None = Field(default=None, max_length=128)
    payload: dict[str, Any] = JsonField()
    created_at: datetime = TimestampField(default_now=True)
    published_at: datetime | None = TimestampField(default=None)


class WebhookDelivery(TenantScoped, table=True):
    """One event to one endpoint (`dlv_...`): the delivery log owners can query.

    Unique per (webhook, event): the relay enqueues each pair once, however many replicas
    run, and every retry of it reuses the event id as the `webhook-id` header."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        tenant_fk("webhook_id", "webhooks"),
        UniqueConstraint("workspace_id", "webhook_id", "event_id"),
        CheckConstraint(f"status IN {DELIVERY_STATUSES!r}", name="status"),
        Index(None, "workspace_id", "webhook_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    webhook_id: str = Field(max_length=64)
    event_id: str = Field(max_length=64)
    event_type: str = Field(max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = TimestampField(default_now=True)
    last_attempt_at: datetime | None = TimestampField(default=None)
    next_attempt_at: datetime | None = TimestampField(default=None)
    delivered_at: datetime | None = TimestampField(default=None)
