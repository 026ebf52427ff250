"""The AI character platform (spec 000): platform users, creators, characters and what
users do with them (messages, sessions, images, favorites, subscriptions, transactions,
moderation reports, feature usage, site visits).

Entity tables are upserted by id; event tables are append-only. `character_stats`,
`creator_stats` and `character_user_stats` are rollups maintained by ingestion in the same
transaction as the events they summarise (see gateway/ingestion/platform.py).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Index, Numeric, text
from sqlmodel import Field

from models.base import CounterField, TenantScoped, TextArrayField, TimestampField, tenant_fk

DEVICES = ("mobile", "desktop", "tablet")
TRANSACTION_TYPES = ("subscription", "point_purchase", "tip")
TRANSACTION_STATUSES = ("completed", "pending", "refunded", "failed")
SUBSCRIPTION_STATUSES = ("active", "cancelled", "expired")
REPORT_STATUSES = ("pending", "resolved", "dismissed")
REVIEW_STATUSES = ("approved", "pending", "rejected")
FEATURES = (
    "character_creation",
    "image_generation",
    "video_generation",
    "voice_messages",
    "character_customization",
    "scenarios",
)


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN {values!r}", name=column)


class PlatformUser(TenantScoped, table=True):
    """An end user of the character platform (`user_...`). Temporary users have not
    registered; premium is derived from an active subscription, never stored."""

    __tablename__ = "platform_users"
    __table_args__ = (
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "language"),
        Index(None, "workspace_id", "is_temporary"),
        Index(None, "workspace_id", "last_active_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    username: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)  # personal data
    is_temporary: bool = False
    language: str | None = Field(default=None, max_length=16)
    gender: str | None = Field(default=None, max_length=16)
    country: str | None = Field(default=None, max_length=2)
    region: str | None = Field(default=None, max_length=64)
    device: str | None = Field(default=None, max_length=16)
    created_at: datetime = TimestampField()
    # Rollup: the latest message, session, image or favorite of this user.
    last_active_at: datetime | None = TimestampField(default=None)


class Creator(TenantScoped, table=True):
    """A platform user who publishes characters; shares the user's id (`user_...`)."""

    __tablename__ = "creators"
    __table_args__ = (tenant_fk("id", "platform_users"), Index(None, "workspace_id", "created_at"))

    id: str = Field(primary_key=True, max_length=64)
    username: str = Field(max_length=100)
    profile_url: str | None = None
    is_verified: bool = False
    created_at: datetime = TimestampField()


class CreatorFollower(TenantScoped, table=True):
    __tablename__ = "creator_followers"
    __table_args__ = (
        tenant_fk("creator_id", "creators"),
        tenant_fk("follower_id", "platform_users"),
        CheckConstraint("creator_id <> follower_id", name="not_self"),
    )

    creator_id: str = Field(primary_key=True, max_length=64)
    follower_id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = TimestampField()


class Character(TenantScoped, table=True):
    __tablename__ = "characters"
    __table_args__ = (
        tenant_fk("creator_id", "creators", ondelete="RESTRICT"),
        _one_of("review_status", REVIEW_STATUSES),
        Index(None, "workspace_id", "creator_id"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "category"),
        Index("ix_characters_tags", "tags", postgresql_using="gin"),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    slug: str | None = Field(default=None, max_length=200)
    image_url: str | None = None
    creator_id: str | None = Field(default=None, max_length=64)
    category: str | None = Field(default=None, max_length=64)
    tags: list[str] = TextArrayField()
    gender: str | None = Field(default=None, max_length=16)
    is_public: bool = True
    is_nsfw: bool = False
    review_status: str = Field(default="approved", max_length=16)
    is_flagged: bool = False
    created_at: datetime = TimestampField()


class Message(TenantScoped, table=True):
    """One chat message between a user and a character (`msg_...`)."""

    __tablename__ = "messages"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        tenant_fk("character_id", "characters"),
        CheckConstraint("sender IN ('user', 'character')", name="sender"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "character_id", "created_at"),
        Index(None, "workspace_id", "user_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    character_id: str = Field(max_length=64)
    session_id: str | None = Field(default=None, max_length=64)
    sender: str = Field(default="user", max_length=16)
    created_at: datetime = TimestampField()


class ChatSession(TenantScoped, table=True):
    __tablename__ = "chat_sessions"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        tenant_fk("character_id", "characters"),
        _one_of("device", DEVICES),
        CheckConstraint("duration_seconds >= 0", name="duration"),
        Index(None, "workspace_id", "started_at"),
        Index(None, "workspace_id", "character_id"),
        Index(None, "workspace_id", "user_id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    character_id: str | None = Field(default=None, max_length=64)
    device: str = Field(default="mobile", max_length=16)
    started_at: datetime = TimestampField()
    duration_seconds: int = 0
    message_count: int = Field(default=0, ge=0)


class GeneratedImage(TenantScoped, table=True):
    __tablename__ = "images"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        tenant_fk("character_id", "characters"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "character_id"),
        Index(None, "workspace_id", "user_id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    character_id: str | None = Field(default=None, max_length=64)
    is_nsfw: bool = False
    created_at: datetime = TimestampField()


class ImageLike(TenantScoped, table=True):
    __tablename__ = "image_likes"
    __table_args__ = (
        tenant_fk("image_id", "images"),
        tenant_fk("user_id", "platform_users"),
    )

    image_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = TimestampField()


class Favorite(TenantScoped, table=True):
    __tablename__ = "favorites"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        tenant_fk("character_id", "characters"),
        Index(None, "workspace_id", "character_id"),
        Index(None, "workspace_id", "created_at"),
    )

    user_id: str = Field(primary_key=True, max_length=64)
    character_id: str = Field(primary_key=True, max_length=64)
    created_at: datetime = TimestampField()


class SubscriptionTier(TenantScoped, table=True):
    __tablename__ = "subscription_tiers"
    __table_args__ = (CheckConstraint("price >= 0", name="price"),)

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=64)
    price: Decimal = Field(sa_type=Numeric(12, 2))
    currency: str = Field(default="USD", max_length=3)
    interval_months: int = Field(default=1, ge=1)


class Subscription(TenantScoped, table=True):
    __tablename__ = "subscriptions"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        tenant_fk("tier_id", "subscription_tiers", ondelete="RESTRICT"),
        _one_of("status", SUBSCRIPTION_STATUSES),
        Index(None, "workspace_id", "status"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "user_id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    tier_id: str = Field(max_length=64)
    status: str = Field(default="active", max_length=16)
    created_at: datetime = TimestampField()
    cancelled_at: datetime | None = TimestampField(default=None)
    ends_at: datetime | None = TimestampField(default=None)


class Transaction(TenantScoped, table=True):
    """Money in: subscription payments, point purchases and tips (`txn_...`). A tip or a
    purchase made on a creator's character credits that creator (`creator_id`)."""

    __tablename__ = "transactions"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        tenant_fk("creator_id", "creators"),
        tenant_fk("subscription_id", "subscriptions"),
        _one_of("type", TRANSACTION_TYPES),
        _one_of("status", TRANSACTION_STATUSES),
        CheckConstraint("amount >= 0", name="amount"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "user_id"),
        Index(None, "workspace_id", "creator_id"),
        # A creator's paying fans in a period (creator lists) from the index alone.
        Index(
            "ix_transactions_creator_fans",
            "workspace_id",
            "creator_id",
            "created_at",
            postgresql_include=["user_id"],
            postgresql_where=text("status = 'completed'"),
        ),
    )

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    type: str = Field(max_length=16)
    amount: Decimal = Field(sa_type=Numeric(12, 2))
    currency: str = Field(default="USD", max_length=3)
    status: str = Field(default="completed", max_length=16)
    subscription_id: str | None = Field(default=None, max_length=64)
    creator_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = TimestampField()


class ModerationReport(TenantScoped, table=True):
    __tablename__ = "moderation_reports"
    __table_args__ = (
        tenant_fk("reporter_id", "platform_users"),
        _one_of("status", REPORT_STATUSES),
        CheckConstraint(
            "target_type IN ('character', 'image', 'message', 'user')", name="target_type"
        ),
        Index(None, "workspace_id", "status"),
        Index(None, "workspace_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    target_type: str = Field(max_length=16)
    target_id: str = Field(max_length=64)
    reporter_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="other", max_length=64)
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = TimestampField()
    resolved_at: datetime | None = TimestampField(default=None)


class FeatureUsage(TenantScoped, table=True):
    """One use of a platform feature by a user."""

    __tablename__ = "feature_usage"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        _one_of("feature", FEATURES),
        Index(None, "workspace_id", "feature", "user_id"),
        Index(None, "workspace_id", "used_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64)
    feature: str = Field(max_length=32)
    used_at: datetime = TimestampField()


class SiteVisit(TenantScoped, table=True):
    """A visit to the platform's site: the top of the conversion funnel."""

    __tablename__ = "site_visits"
    __table_args__ = (
        tenant_fk("user_id", "platform_users"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "visitor_id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    visitor_id: str = Field(max_length=64)
    user_id: str | None = Field(default=None, max_length=64)
    source: str | None = Field(default=None, max_length=64)
    created_at: datetime = TimestampField()


# --- rollups, maintained by ingestion in the same transaction as the raw rows -----------


class CharacterStats(TenantScoped, table=True):
    __tablename__ = "character_stats"
    __table_args__ = (
        tenant_fk("character_id", "characters"),
        Index(None, "workspace_id", "total_messages"),
        Index(None, "workspace_id", "favorites"),  # the most-favorited list
        # A creator's most-messaged character: the first entry of the creator's range.
        Index(
            "ix_character_stats_creator_top",
            "workspace_id",
            "creator_id",
            text("total_messages DESC"),
            "character_id",
        ),
    )

    character_id: str = Field(primary_key=True, max_length=64)
    # The character's creator (characters.creator_id), copied by the characters upload.
    creator_id: str | None = Field(default=None, max_length=64)
    total_messages: int = CounterField()
    unique_users: int = CounterField()
    favorites: int = CounterField()
    images_generated: int = CounterField()
    sessions: int = CounterField()
    # Sum of the sessions' durations: average session length = session_seconds / sessions.
    session_seconds: int = CounterField(sa_type=BigInteger)


class CharacterUserStats(TenantScoped, table=True):
    """One row per (character, user) pair that has talked: unique users, conversations."""

    __tablename__ = "character_user_stats"
    __table_args__ = (
        tenant_fk("character_id", "characters"),
        tenant_fk("user_id", "platform_users"),
        Index(None, "workspace_id", "user_id"),
        # New users of a character in a period (top lists' user growth): a range, not a scan.
        Index(
            "ix_character_user_stats_first_message",
            "workspace_id",
            "character_id",
            "first_message_at",
        ),
    )

    character_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    messages: int = CounterField()
    first_message_at: datetime = TimestampField()
    last_message_at: datetime = TimestampField()


class CreatorStats(TenantScoped, table=True):
    """One row per creator (the creators upload adds it), so rankings read this table alone."""

    __tablename__ = "creator_stats"
    __table_args__ = (
        tenant_fk("creator_id", "creators"),
        # Highest first, ties by id: the order a creator list reads a page in.
        *(
            Index(f"ix_creator_stats_{c}", "workspace_id", text(f"{c} DESC"), "creator_id")
            for c in ("followers", "characters_count", "total_messages", "earnings")
        ),
        Index(None, "workspace_id", "last_message_at"),  # active creators
    )

    creator_id: str = Field(primary_key=True, max_length=64)
    followers: int = CounterField()
    characters_count: int = CounterField()
    total_messages: int = CounterField()
    total_images: int = CounterField()
    earnings: Decimal = CounterField(sa_type=Numeric(14, 2))
    # The latest message to any of the creator's characters ("active creator").
    last_message_at: datetime | None = TimestampField(default=None)
