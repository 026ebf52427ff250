"""The organic marketing dashboard (spec 003): content and its daily metrics, AI generation
jobs, email campaigns, sequences and leads, integrations, saved reports and exports, the
activity feed, and the traffic facts its analytics read (per-channel days, touchpoints).

Every row is tenant-owned (PK (workspace_id, id)); references between them go through
tenant_fk, so nothing here can point into another workspace. Only `created_by`/`actor_id`
point at dashboard accounts, which are not tenant-owned: a plain FK, and the graph shows
the account only if it is a member of the workspace.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Numeric,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from models.base import (
    CounterField,
    JsonField,
    TenantScoped,
    TextArrayField,
    TimestampField,
    tenant_fk,
)

CONTENT_TYPES = ("tiktok", "blog", "email")
CONTENT_STATUSES = ("draft", "scheduled", "published", "failed")
JOB_STATUSES = ("processing", "complete", "failed")
CAMPAIGN_TYPES = ("one-time", "sequence", "triggered")
CAMPAIGN_STATUSES = ("draft", "scheduled", "active", "paused", "completed")
SEQUENCE_STATUSES = ("draft", "active", "paused", "archived")
LEAD_STATUSES = ("active", "unsubscribed", "bounced")
# `stopped`: the lead unsubscribed or bounced before the last step.
ENROLLMENT_STATUSES = ("enrolled", "completed", "converted", "stopped")
INTEGRATION_STATUSES = ("connected", "disconnected", "error")
EXPORT_FORMATS = ("csv", "json", "xlsx")
EXPORT_STATUSES = ("processing", "complete", "failed")
FUNNEL_STAGES = ("visit", "view_product", "add_to_cart", "checkout", "purchase")
# Channels are open-ended (tiktok, blog, email, ...): a lower-case slug.
SLUG = "^[a-z][a-z0-9_]{0,31}$"


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN {values!r}", name=column)


def _not_negative(*columns: str) -> list[CheckConstraint]:
    return [CheckConstraint(f"{c} >= 0", name=c) for c in columns]


def _account_fk(column: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint([column], ["dashboard_accounts.id"], ondelete="SET NULL")


def MetadataField() -> Any:
    """A JSONB column named `metadata` (SQLAlchemy reserves that attribute name: `meta`)."""
    return Field(default_factory=dict, sa_column=Column("metadata", JSONB, nullable=False))


class ContentItem(TenantScoped, table=True):
    """A TikTok video, blog post or email (`cnt_...`). Its calendar day is when it was
    published, or else when it is scheduled."""

    __tablename__ = "content_items"
    __table_args__ = (
        _one_of("type", CONTENT_TYPES),
        _one_of("status", CONTENT_STATUSES),
        _account_fk("created_by"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "scheduled_at"),
        Index(None, "workspace_id", "published_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    type: str = Field(max_length=16)
    status: str = Field(default="draft", max_length=16)
    title: str = Field(max_length=500)
    body: str = ""
    media_urls: list[str] = TextArrayField()
    meta: dict[str, Any] = MetadataField()
    scheduled_at: datetime | None = TimestampField(default=None)
    published_at: datetime | None = TimestampField(default=None)
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()
    # Publishing by the job engine: attempts so far, and why the last one failed.
    publish_attempts: int = CounterField()
    publish_error: str | None = None


class ContentMetrics(TenantScoped, table=True):
    """One content item's numbers for one day. Daily rows rather than columns on the item:
    totals are sums, a day's numbers can be re-sent (upsert on the day), and series exist."""

    __tablename__ = "content_metrics"
    __table_args__ = (
        tenant_fk("content_id", "content_items"),
        *_not_negative("views", "likes", "shares", "saves", "clicks", "conversions", "revenue"),
    )

    content_id: str = Field(primary_key=True, max_length=64)
    date: dt.date = Field(primary_key=True)
    views: int = 0
    likes: int = 0
    shares: int = 0
    saves: int = 0
    clicks: int = 0
    conversions: int = 0
    revenue: Decimal = Field(default=Decimal(0), sa_type=Numeric(14, 2))


class GenerationJob(TenantScoped, table=True):
    """An AI content generation request (`job_...`); `result` holds the generated content."""

    __tablename__ = "generation_jobs"
    __table_args__ = (
        _one_of("status", JOB_STATUSES),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        Index(None, "workspace_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(max_length=32)
    product: str = Field(max_length=200)
    content_type: str = Field(max_length=64)
    tone: str | None = Field(default=None, max_length=64)
    length: str | None = Field(default=None, max_length=32)
    context: str | None = None
    status: str = Field(default="processing", max_length=16)
    progress: int = 0
    result: dict[str, Any] | None = JsonField(default=None, default_factory=None, nullable=True)
    error: str | None = None  # why a failed job failed
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()


class EmailCampaign(TenantScoped, table=True):
    """An email campaign (`camp_...`, as spec 004's ad campaigns: node() tries both). Its
    counters are the legacy system's totals, sent with the campaign."""

    __tablename__ = "email_campaigns"
    __table_args__ = (
        _one_of("type", CAMPAIGN_TYPES),
        _one_of("status", CAMPAIGN_STATUSES),
        *_not_negative("recipient_count", "sent", "opened", "clicked", "converted"),
        Index(None, "workspace_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    type: str = Field(max_length=16)
    status: str = Field(default="draft", max_length=16)
    segment: dict[str, Any] = JsonField()
    content: dict[str, Any] = JsonField()
    send_at: datetime | None = TimestampField(default=None)
    recipient_count: int = 0
    sent: int = 0
    opened: int = 0
    clicked: int = 0
    converted: int = 0
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()


class EmailSequence(TenantScoped, table=True):
    """An automated series of emails (`seq_...`) started by `trigger`."""

    __tablename__ = "email_sequences"
    __table_args__ = (
        _one_of("status", SEQUENCE_STATUSES),
        Index(None, "workspace_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    status: str = Field(default="draft", max_length=16)
    trigger: dict[str, Any] = JsonField()
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()


class SequenceStep(TenantScoped, table=True):
    """One email of a sequence (`step_...`), sent `delay_seconds` after the previous one.
    Positions are not unique: steps are re-sent in batches, and a reorder must not collide
    halfway; the graph orders by (position, id)."""

    __tablename__ = "sequence_steps"
    __table_args__ = (
        tenant_fk("sequence_id", "email_sequences"),
        *_not_negative("position", "delay_seconds", "opened"),
        Index(None, "workspace_id", "sequence_id", "position"),
    )

    id: str = Field(primary_key=True, max_length=64)
    sequence_id: str = Field(max_length=64)
    position: int = 0
    name: str = Field(max_length=200)
    delay_seconds: int = 0
    subject: str | None = Field(default=None, max_length=500)
    content: dict[str, Any] = JsonField()
    condition: dict[str, Any] | None = JsonField(default=None, default_factory=None, nullable=True)
    # Leads who opened this step's email (its first open each: gateway/organic/opens.py).
    opened: int = CounterField()


class Lead(TenantScoped, table=True):
    """An email contact (`lead_...`); the email, stored lower-cased, is unique per workspace."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("workspace_id", "email"),
        _one_of("status", LEAD_STATUSES),
        *_not_negative("emails_sent", "emails_opened", "links_clicked"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "status"),
        Index("ix_leads_tags", "tags", postgresql_using="gin"),
    )

    id: str = Field(primary_key=True, max_length=64)
    email: str = Field(max_length=320)  # personal data
    name: str | None = Field(default=None, max_length=200)
    tags: list[str] = TextArrayField()
    source: str | None = Field(default=None, max_length=64)
    status: str = Field(default="active", max_length=16)
    custom_fields: dict[str, Any] = JsonField()
    emails_sent: int = 0
    emails_opened: int = 0
    links_clicked: int = 0
    created_at: datetime = TimestampField()


class SequenceEnrollment(TenantScoped, table=True):
    """A lead going through a sequence, once per (sequence, lead). The lead reference
    follows a lead whose id is re-sent under the same email (ON UPDATE CASCADE).
    `next_step_id` is the step to send at `due_at` (both NULL once done)."""

    __tablename__ = "sequence_enrollments"
    __table_args__ = (
        tenant_fk("sequence_id", "email_sequences"),
        ForeignKeyConstraint(
            ["workspace_id", "lead_id"],
            ["leads.workspace_id", "leads.id"],
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        _one_of("status", ENROLLMENT_STATUSES),
        Index(None, "workspace_id", "lead_id"),
        Index(
            "ix_sequence_enrollments_due",
            "workspace_id",
            "sequence_id",
            "due_at",
            postgresql_where="due_at IS NOT NULL",
        ),
    )

    sequence_id: str = Field(primary_key=True, max_length=64)
    lead_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(default="enrolled", max_length=16)
    enrolled_at: datetime = TimestampField()
    next_step_id: str | None = Field(default=None, max_length=64)
    due_at: datetime | None = TimestampField(default=None)


class Integration(TenantScoped, table=True):
    """A connected outside service (`int_tiktok`, `int_gmail`, ...). `config` holds what the
    dashboard shows (accounts, sender address), never credentials (ingestion refuses them)."""

    __tablename__ = "integrations"
    __table_args__ = (_one_of("status", INTEGRATION_STATUSES),)

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    provider: str = Field(max_length=32)
    status: str = Field(default="disconnected", max_length=16)
    config: dict[str, Any] | None = JsonField(default=None, default_factory=None, nullable=True)
    last_sync_at: datetime | None = TimestampField(default=None)
    # OAuth tokens and client credentials, sealed (gateway/secrets.py); never returned.
    credentials: str | None = None
    error: str | None = None  # why it is in `error`
    connected_at: datetime | None = TimestampField(default=None)


class CustomReport(TenantScoped, table=True):
    """A saved analytics report definition (`rpt_...`) and its delivery schedule;
    `next_delivery_at` is when the schedule next emails it (None: not delivered)."""

    __tablename__ = "custom_reports"
    __table_args__ = (
        Index(None, "workspace_id", "created_at"),
        Index(
            "ix_custom_reports_next_delivery",
            "next_delivery_at",
            postgresql_where="next_delivery_at IS NOT NULL",
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    type: str = Field(default="custom", max_length=32)
    config: dict[str, Any] = JsonField()
    schedule: dict[str, Any] | None = JsonField(default=None, default_factory=None, nullable=True)
    created_at: datetime = TimestampField()
    next_delivery_at: datetime | None = TimestampField(default=None)


class AnalyticsExport(TenantScoped, table=True):
    """A requested export of analytics data (`exp_...`) over a date range."""

    __tablename__ = "analytics_exports"
    __table_args__ = (
        _one_of("format", EXPORT_FORMATS),
        _one_of("status", EXPORT_STATUSES),
        CheckConstraint("end_date >= start_date", name="date_range"),
        Index(None, "workspace_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    format: str = Field(default="csv", max_length=8)
    data: str = Field(max_length=64)  # which dataset, e.g. "channel_performance"
    start_date: dt.date
    end_date: dt.date
    status: str = Field(default="processing", max_length=16)
    download_url: str | None = None  # a legacy export's link; ours sign their file's
    expires_at: datetime | None = TimestampField(default=None)
    created_at: datetime = TimestampField()
    file_id: str | None = Field(default=None, max_length=64)  # the stored file, once made
    report_id: str | None = Field(default=None, max_length=64)  # data = "custom_report"
    error: str | None = None


class Activity(TenantScoped, table=True):
    """One entry of the dashboard's activity feed (`act_...`); append-only."""

    __tablename__ = "activities"
    __table_args__ = (
        _account_fk("actor_id"),
        Index(None, "workspace_id", "occurred_at"),
        Index(None, "workspace_id", "type", "occurred_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    type: str = Field(max_length=64)
    title: str = Field(max_length=500)
    description: str | None = None
    actor_id: str | None = Field(default=None, max_length=64)
    meta: dict[str, Any] = MetadataField()
    occurred_at: datetime = TimestampField()


class ChannelDailyMetrics(TenantScoped, table=True):
    """Traffic and sales of one marketing channel on one day: channel performance, the
    overview's channel split and the metric series read these."""

    __tablename__ = "channel_daily_metrics"
    __table_args__ = (
        CheckConstraint(f"channel ~ '{SLUG}'", name="channel"),
        *_not_negative("revenue", "traffic", "conversions", "orders"),
        Index(None, "workspace_id", "date"),
    )

    channel: str = Field(primary_key=True, max_length=32)
    date: dt.date = Field(primary_key=True)
    revenue: Decimal = Field(default=Decimal(0), sa_type=Numeric(14, 2))
    traffic: int = 0
    conversions: int = 0
    orders: int = 0


class Touchpoint(TenantScoped, table=True):
    """A visitor reaching a funnel stage through a channel (`tp_...`). The funnel counts
    distinct visitors per stage; attribution credits a purchase's revenue to the channels
    of the same visitor's earlier touchpoints (first, last, linear or time-decay)."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        CheckConstraint(f"channel ~ '{SLUG}'", name="channel"),
        _one_of("stage", FUNNEL_STAGES),
        *_not_negative("revenue"),
        # Covering, so the funnel, attribution's paths and its per-channel counts read
        # the index alone (index-only scans).
        Index(
            "ix_touchpoints_range",
            "workspace_id",
            "occurred_at",
            postgresql_include=["visitor_id", "stage", "channel"],
        ),
        Index(
            "ix_touchpoints_paths",
            "workspace_id",
            "visitor_id",
            "occurred_at",
            postgresql_include=["id", "channel"],
        ),
        Index(None, "workspace_id", "stage", "occurred_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    visitor_id: str = Field(max_length=64)
    channel: str = Field(max_length=32)
    stage: str = Field(max_length=16)
    revenue: Decimal = Field(default=Decimal(0), sa_type=Numeric(14, 2))
    occurred_at: datetime = TimestampField()
