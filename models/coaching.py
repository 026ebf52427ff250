"""The coaching creator hub (spec 002): knowledge bases and their documents, programs (flow
graphs) with their published versions and enrollments, end users, badges, channels,
interactions and proactive rules with their triggers.

Ids are UUIDs, as spec 002 shows them. Entity tables are upserted by id; interactions and
badge awards are append-only. Every reference carries workspace_id (tenant_fk).

`metadata` is a column name in spec 002 but a reserved attribute on SQLModel classes, so
those columns are mapped to the attribute `meta`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Computed,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlmodel import Field

from models.base import JsonField, TenantScoped, TimestampField, tenant_fk

SEARCH_CONFIG = "english"
SEARCH_VECTOR = f"to_tsvector('{SEARCH_CONFIG}'::regconfig, content)"
PROCESSING_STATUSES = ("pending", "processing", "completed", "failed")
PROGRAM_STATUSES = ("draft", "published", "archived")
CHANNEL_TYPES = ("web", "whatsapp", "telegram", "mobile")
CHANNEL_STATUSES = ("active", "inactive", "pending_verification")
ENROLLMENT_STATUSES = ("active", "completed", "dropped")
INTERACTION_TYPES = ("message_sent", "message_received", "ai_response", "human_escalation")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN {values!r}", name=column)


def _fraction(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN 0 AND 1", name=column)


def _metadata_column() -> Any:
    return Field(
        default_factory=dict,
        sa_column=Column("metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )


class KnowledgeBase(TenantScoped, table=True):
    __tablename__ = "knowledge_bases"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = None
    # chunk_size, chunk_overlap, embedding_model ...
    settings: dict[str, Any] = JsonField()
    created_at: datetime = TimestampField()


class KbDocument(TenantScoped, table=True):
    __tablename__ = "kb_documents"
    __table_args__ = (
        tenant_fk("knowledge_base_id", "knowledge_bases"),
        _one_of("processing_status", PROCESSING_STATUSES),
        CheckConstraint("file_size_bytes >= 0", name="file_size_bytes"),
        # Listing a base's documents newest first, optionally by status.
        Index(None, "workspace_id", "knowledge_base_id", "created_at"),
        Index(None, "workspace_id", "knowledge_base_id", "processing_status"),
    )

    id: uuid.UUID = Field(primary_key=True)
    knowledge_base_id: uuid.UUID
    title: str = Field(max_length=500)
    content: str | None = None
    file_type: str = Field(max_length=64)
    file_size_bytes: int = Field(default=0, sa_type=BigInteger)
    processing_status: str = Field(default="pending", max_length=16)
    meta: dict[str, Any] = _metadata_column()
    created_at: datetime = TimestampField()
    processed_at: datetime | None = TimestampField(default=None)


class KbDocumentChunk(TenantScoped, table=True):
    __tablename__ = "kb_document_chunks"
    __table_args__ = (
        tenant_fk("document_id", "kb_documents"),
        UniqueConstraint("workspace_id", "document_id", "chunk_index"),
        CheckConstraint("chunk_index >= 0", name="chunk_index"),
        # Full-text search over a knowledge base's chunks (resolvers/coaching_search.py).
        Index("ix_kb_document_chunks_search", "search_vector", postgresql_using="gin"),
    )

    id: uuid.UUID = Field(primary_key=True)
    document_id: uuid.UUID
    chunk_index: int
    content: str
    meta: dict[str, Any] = _metadata_column()
    # Written by PostgreSQL from `content`; never set by the application.
    search_vector: Any = Field(
        default=None,
        sa_column=Column(TSVECTOR, Computed(SEARCH_VECTOR, persisted=True), nullable=True),
    )


class KbDocumentSource(TenantScoped, table=True):
    """The uploaded file as received, kept apart so listing documents never reads it."""

    __tablename__ = "kb_document_sources"
    __table_args__ = (tenant_fk("document_id", "kb_documents"),)

    document_id: uuid.UUID = Field(primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)


class Program(TenantScoped, table=True):
    """A coaching program: a flow graph (`nodes`, `edges`) that is drafted, then published."""

    __tablename__ = "programs"
    __table_args__ = (
        _one_of("status", PROGRAM_STATUSES),
        CheckConstraint("version >= 1", name="version"),
        Index(None, "workspace_id", "status", "created_at"),
        Index(None, "workspace_id", "created_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = None
    flow_definition: dict[str, Any] = JsonField()
    status: str = Field(default="draft", max_length=16)
    version: int = 1
    settings: dict[str, Any] = JsonField()
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()
    published_at: datetime | None = TimestampField(default=None)


class ProgramVersion(TenantScoped, table=True):
    """The flow definition as it was when a version was published (never changed after)."""

    __tablename__ = "program_versions"
    __table_args__ = (
        tenant_fk("program_id", "programs"),
        UniqueConstraint("workspace_id", "program_id", "version"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: uuid.UUID = Field(primary_key=True)
    program_id: uuid.UUID
    version: int
    flow_definition: dict[str, Any] = JsonField()
    published_at: datetime = TimestampField()


class Badge(TenantScoped, table=True):
    __tablename__ = "badges"

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = None
    created_at: datetime = TimestampField()


# What `GET /users?search=` matches (the external id and the profile's name), lowered and
# stored: a search reads one short text per user instead of parsing every profile's JSON
# (3x faster over 150,000 users). The unit separator keeps a search from matching across
# the two.
END_USER_SEARCH = "lower(external_id) || chr(31) || lower(coalesce(profile_data->>'name', ''))"


class EndUser(TenantScoped, table=True):
    """A person coached through one channel (`users` in spec 002; not a platform user)."""

    __tablename__ = "end_users"
    __table_args__ = (
        _one_of("channel", CHANNEL_TYPES),
        _fraction("engagement_score"),
        Index(None, "workspace_id", "channel", "external_id"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "last_active_at"),
        Index(None, "workspace_id", "engagement_score"),
        # A channel's active (or inactive) users by engagement: the page and its count
        # read from the index, not from every user sorted.
        Index(None, "workspace_id", "channel", "is_active", "engagement_score", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    external_id: str = Field(max_length=200)
    channel: str = Field(max_length=16)
    profile_data: dict[str, Any] = JsonField()  # personal data (name, goals, preferences)
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    is_active: bool = True
    engagement_score: float = 0.0
    created_at: datetime = TimestampField()
    last_active_at: datetime | None = TimestampField(default=None)
    # Written by PostgreSQL (END_USER_SEARCH); never set by the application.
    search_text: str | None = Field(
        default=None,
        sa_column=Column(Text, Computed(END_USER_SEARCH, persisted=True), nullable=True),
    )


class Enrollment(TenantScoped, table=True):
    __tablename__ = "enrollments"
    __table_args__ = (
        tenant_fk("user_id", "end_users"),
        tenant_fk("program_id", "programs"),
        _one_of("status", ENROLLMENT_STATUSES),
        _fraction("progress"),
        # A user is enrolled in a program at most once at a time (re-enrolling after
        # completing or dropping is allowed).
        Index(
            "uq_enrollments_active",
            "workspace_id",
            "user_id",
            "program_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        # Completion rates and counts per program.
        Index(None, "workspace_id", "program_id", "status"),
        Index(None, "workspace_id", "user_id", "enrolled_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID
    program_id: uuid.UUID
    # The program version the user started on (updates of the program do not move it).
    program_version: int | None = None
    # Where the flow walk stands (gateway/coaching/walking.py): the node the next job runs,
    # and the nodes done.
    current_node: str | None = Field(default=None, max_length=128)
    walk: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )
    status: str = Field(default="active", max_length=16)
    progress: float = 0.0
    enrolled_at: datetime = TimestampField()
    completed_at: datetime | None = TimestampField(default=None)


class BadgeAward(TenantScoped, table=True):
    __tablename__ = "badge_awards"
    __table_args__ = (
        tenant_fk("user_id", "end_users"),
        tenant_fk("badge_id", "badges"),
        UniqueConstraint("workspace_id", "user_id", "badge_id"),
        Index(None, "workspace_id", "badge_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID
    badge_id: uuid.UUID
    earned_at: datetime = TimestampField()


class Channel(TenantScoped, table=True):
    """A configured channel (a web widget, a WhatsApp business number ...)."""

    __tablename__ = "channels"
    __table_args__ = (
        _one_of("channel_type", CHANNEL_TYPES),
        _one_of("status", CHANNEL_STATUSES),
        Index(None, "workspace_id", "channel_type"),
        # Provider webhooks name the channel by its id alone (/webhooks/{type}/{id}).
        Index("ix_channels_id", "id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    channel_type: str = Field(max_length=16)
    channel_name: str = Field(max_length=200)
    status: str = Field(default="pending_verification", max_length=32)
    configuration: dict[str, Any] = JsonField()  # may hold secrets: never exposed whole
    created_at: datetime = TimestampField()


class Interaction(TenantScoped, table=True):
    """One exchange with an end user. `channel` is the channel type the spec reports
    (web, whatsapp ...); `channel_id` the configured channel it came through, when known."""

    __tablename__ = "interactions"
    __table_args__ = (
        tenant_fk("user_id", "end_users"),
        tenant_fk("channel_id", "channels"),
        tenant_fk("program_id", "programs"),
        _one_of("channel", CHANNEL_TYPES),
        _one_of("interaction_type", INTERACTION_TYPES),
        CheckConstraint("response_time_seconds >= 0", name="response_time_seconds"),
        CheckConstraint("satisfaction_score BETWEEN 0 AND 5", name="satisfaction_score"),
        # Per-day interactions segmented by channel type; per channel over time.
        Index(None, "workspace_id", "created_at", "channel"),
        Index(None, "workspace_id", "channel_id", "created_at"),
        Index(None, "workspace_id", "user_id", "created_at"),
        Index(None, "workspace_id", "program_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID
    channel: str = Field(max_length=16)
    channel_id: uuid.UUID | None = None
    interaction_type: str = Field(max_length=32)
    is_ai: bool = False
    program_id: uuid.UUID | None = None
    response_time_seconds: float | None = None
    satisfaction_score: float | None = None
    # The message's text, when the gateway sent or received it (flows, proactive rules,
    # channel webhooks).
    content: str | None = None
    created_at: datetime = TimestampField()


MESSAGE_DIRECTIONS = ("outbound", "inbound")
MESSAGE_STATUSES = ("pending", "sent", "failed", "received")


class ChannelMessage(TenantScoped, table=True):
    """A message through a channel, as the channel carried it: an outbound one waits here
    (`pending`) until the delivery job hands it to the channel's adapter (gateway/adapters/
    channels.py); the web widget fetches its conversation from here. Inbound ones keep the
    provider's message id, so a webhook the provider re-sends is stored once."""

    __tablename__ = "channel_messages"
    __table_args__ = (
        tenant_fk("user_id", "end_users"),
        tenant_fk("channel_id", "channels"),
        _one_of("channel", CHANNEL_TYPES),
        _one_of("direction", MESSAGE_DIRECTIONS),
        _one_of("status", MESSAGE_STATUSES),
        # A user's conversation, oldest first (the widget polls it).
        Index(None, "workspace_id", "user_id", "created_at"),
        Index(
            "uq_channel_messages_inbound",
            "workspace_id",
            "channel_id",
            "provider_message_id",
            unique=True,
            postgresql_where=text("direction = 'inbound' AND provider_message_id IS NOT NULL"),
        ),
    )

    id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID
    channel_id: uuid.UUID | None = None
    channel: str = Field(max_length=16)
    direction: str = Field(max_length=16)
    text: str
    status: str = Field(default="pending", max_length=16)
    interaction_id: uuid.UUID | None = None
    provider_message_id: str | None = Field(default=None, max_length=256)
    attempts: int = 0
    error: str | None = None
    created_at: datetime = TimestampField()
    sent_at: datetime | None = TimestampField(default=None)


class ChannelUser(TenantScoped, table=True):
    """Rollup: one row per (channel, end user) who interacted through it, kept by a
    PostgreSQL trigger on `interactions` (migration 0015), so every writer keeps it in the
    same transaction. Channel lists and analytics read it instead of scanning every
    interaction (docs/benchmarks.md, coaching_routes)."""

    __tablename__ = "channel_users"
    __table_args__ = (
        tenant_fk("channel_id", "channels"),
        tenant_fk("user_id", "end_users"),
    )

    channel_id: uuid.UUID = Field(primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True)
    first_at: datetime = TimestampField()
    last_at: datetime = TimestampField()
    interactions: int = Field(default=0, sa_type=BigInteger)


# Rollup keys cannot be NULL: an interaction with no configured channel counts under this id.
NO_CHANNEL = uuid.UUID(int=0)


class InteractionDay(TenantScoped, table=True):
    """Rollup: interactions per (UTC day, channel type, channel, type, AI or not), with the
    sums behind mean response time and satisfaction, kept by statement-level triggers on
    `interactions` (migration 0020) for inserts, updates and deletes, so every writer
    keeps it in the same transaction. The overview, detailed series and channel analytics
    read it instead of scanning every interaction (docs/benchmarks.md, coaching_routes)."""

    __tablename__ = "interaction_days"

    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=16)
    channel_id: uuid.UUID = Field(primary_key=True)  # NO_CHANNEL when none
    interaction_type: str = Field(primary_key=True, max_length=32)
    is_ai: bool = Field(primary_key=True)
    interactions: int = Field(default=0, sa_type=BigInteger)
    response_seconds_sum: float = 0.0
    responses: int = Field(default=0, sa_type=BigInteger)
    satisfaction_sum: float = 0.0
    ratings: int = Field(default=0, sa_type=BigInteger)


class UserDay(TenantScoped, table=True):
    """Rollup: one row per (UTC day, channel, end user) with an interaction, kept by the
    same triggers. Distinct users over any range of days are a count distinct over it,
    exact (a sum of per-day distinct counts would count a user once per day)."""

    __tablename__ = "user_days"
    __table_args__ = (Index(None, "workspace_id", "channel_id", "day", "user_id"),)

    day: date = Field(primary_key=True)
    user_id: uuid.UUID = Field(primary_key=True)
    channel_id: uuid.UUID = Field(primary_key=True)  # NO_CHANNEL when none
    interactions: int = Field(default=0, sa_type=BigInteger)


class UserActivity(TenantScoped, table=True):
    """Rollup: each end user's latest interaction, kept by the same triggers (recomputed
    from `interactions` for the users a delete or update touched). The users active since
    a moment are then an index range count, not a count distinct over every user-day."""

    __tablename__ = "user_activity"
    __table_args__ = (Index(None, "workspace_id", "last_at"),)

    user_id: uuid.UUID = Field(primary_key=True)
    last_at: datetime = TimestampField()


class EndUserDay(TenantScoped, table=True):
    """Rollup: end users created per (UTC day, channel type, active or not), kept by
    statement-level triggers on `end_users` (migration 0020); the detailed `users` series
    reads it instead of every user created in its range."""

    __tablename__ = "end_user_days"

    day: date = Field(primary_key=True)
    channel: str = Field(primary_key=True, max_length=16)
    is_active: bool = Field(primary_key=True)
    users: int = Field(default=0, sa_type=BigInteger)


class ProactiveRule(TenantScoped, table=True):
    __tablename__ = "proactive_rules"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    id: uuid.UUID = Field(primary_key=True)
    name: str = Field(max_length=200)
    description: str | None = None
    trigger_conditions: dict[str, Any] = JsonField()
    actions: list[dict[str, Any]] = JsonField(default_factory=list)
    is_active: bool = True
    created_at: datetime = TimestampField()


class RuleTrigger(TenantScoped, table=True):
    """A rule firing for one user; `succeeded` once the user engaged (known later).

    The engine (gateway/coaching/proactive.py) fires a rule at most once per user and
    threshold window: `window_start` is unique per (rule, user). Imported triggers have
    none. `pending` while some of the rule's actions are still to be delivered."""

    __tablename__ = "rule_triggers"
    __table_args__ = (
        tenant_fk("rule_id", "proactive_rules"),
        tenant_fk("user_id", "end_users"),
        UniqueConstraint("workspace_id", "rule_id", "user_id", "window_start"),
        # Rule performance over a date range.
        Index(None, "workspace_id", "rule_id", "triggered_at"),
        Index(None, "workspace_id", "triggered_at"),
        # What each engine run looks at: undelivered actions, triggers not yet successful.
        Index("ix_rule_triggers_pending", "workspace_id", postgresql_where=text("pending")),
        Index("ix_rule_triggers_open", "triggered_at", postgresql_where=text("NOT succeeded")),
    )

    id: uuid.UUID = Field(primary_key=True)
    rule_id: uuid.UUID
    user_id: uuid.UUID
    triggered_at: datetime = TimestampField()
    window_start: datetime | None = TimestampField(default=None)
    pending: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    succeeded: bool = False
    responded_at: datetime | None = TimestampField(default=None)


EXPORT_FORMATS = ("csv", "json")
EXPORT_STATUSES = ("processing", "completed", "failed")
EXPORT_METRICS = ("users", "interactions", "programs")


class CoachingExport(TenantScoped, table=True):
    """An analytics export (spec 002's `export_id`): made by a job into a stored file that
    only the member who asked for it may download, until `expires_at`."""

    __tablename__ = "coaching_exports"
    __table_args__ = (
        _one_of("format", EXPORT_FORMATS),
        _one_of("status", EXPORT_STATUSES),
        CheckConstraint("end_date >= start_date", name="date_range"),
        Index(None, "workspace_id", "created_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    metrics: list[str] = JsonField(default_factory=list)
    start_date: date
    end_date: date
    format: str = Field(default="csv", max_length=8)
    email: str | None = Field(default=None, max_length=320)
    status: str = Field(default="processing", max_length=16)
    requested_by: str | None = Field(default=None, max_length=64)
    file_id: str | None = Field(default=None, max_length=64)
    error: str | None = None
    created_at: datetime = TimestampField()
    expires_at: datetime | None = TimestampField(default=None)
