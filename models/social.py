"""The AI social media platform (spec 004): connected social accounts, posts and their
metrics, paid ad campaigns and their daily metrics, AI agents and their status history,
daily platform metrics, and the workspace's business and brand settings.

Derived figures (engagement rate, CTR, CPC, CPA, ROAS, spent and remaining budget) are
never stored: the graph computes them from the raw counters, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKeyConstraint, Index, Numeric
from sqlmodel import Field

from models.base import (
    CounterField,
    JsonField,
    TenantScoped,
    TextArrayField,
    TimestampField,
    tenant_fk,
)

PLATFORMS = ("instagram", "facebook", "linkedin", "twitter", "tiktok", "youtube")
POST_TYPES = ("text", "image", "video", "carousel", "article", "story", "reel")
POST_STATUSES = ("draft", "scheduled", "published", "failed")
CAMPAIGN_TYPES = ("awareness", "conversion", "traffic", "engagement")
CAMPAIGN_STATUSES = ("active", "paused", "completed", "pending_review", "draft")
AGENT_STATUSES = ("active", "idle", "paused", "error")
PRIORITIES = ("high", "medium", "low")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    return CheckConstraint(f"{column} IN {values!r}", name=column)


def _non_negative(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{c} >= 0", name=f"{c}_non_negative") for c in columns)


def _money(**kw: Any) -> Any:
    return Field(sa_type=Numeric(14, 2), **kw)


class SocialAccount(TenantScoped, table=True):
    """A connected social media account (`social_...`)."""

    __tablename__ = "social_accounts"
    __table_args__ = (
        _one_of("platform", PLATFORMS),
        *_non_negative("followers"),
        Index(None, "workspace_id", "platform"),
    )

    id: str = Field(primary_key=True, max_length=64)
    platform: str = Field(max_length=16)
    username: str = Field(max_length=200)
    display_name: str | None = Field(default=None, max_length=200)
    followers: int = 0
    is_connected: bool = True
    permissions: list[str] = TextArrayField()
    last_sync_at: datetime | None = TimestampField(default=None)
    connected_at: datetime = TimestampField()
    # Set when connected through OAuth (gateway/social/accounts.py): the platform's own id
    # of the account, and its tokens sealed by gateway/secrets.py (never the plaintext).
    external_id: str | None = Field(default=None, max_length=128)
    access_token_sealed: str | None = None
    refresh_token_sealed: str | None = None
    token_expires_at: datetime | None = TimestampField(default=None)


class AdCampaign(TenantScoped, table=True):
    """A paid ad campaign (`camp_...`). Spent budget is summed from campaign_metrics."""

    __tablename__ = "ad_campaigns"
    __table_args__ = (
        _one_of("platform", PLATFORMS),
        _one_of("type", CAMPAIGN_TYPES),
        _one_of("status", CAMPAIGN_STATUSES),
        *_non_negative("budget_total", "budget_daily"),
        CheckConstraint("budget_daily <= budget_total", name="daily_within_total"),
        CheckConstraint("end_at IS NULL OR start_at IS NULL OR end_at > start_at", name="period"),
        Index(None, "workspace_id", "status"),
        Index(None, "workspace_id", "platform"),
        Index(None, "workspace_id", "created_at"),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    platform: str = Field(max_length=16)
    type: str = Field(max_length=16)
    status: str = Field(default="pending_review", max_length=16)
    budget_total: Decimal = _money()
    budget_daily: Decimal | None = _money(default=None)
    # {"age_range": "25-45", "interests": [...], "locations": [...]}
    targeting: dict[str, Any] = JsonField()
    start_at: datetime | None = TimestampField(default=None)
    end_at: datetime | None = TimestampField(default=None)
    # {"headline": ..., "description": ..., "media": [{"type", "url"}]}
    creative: dict[str, Any] = JsonField()
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()


class CampaignMetrics(TenantScoped, table=True):
    """One campaign's delivery on one day. CTR, CPC, CPA and ROAS are derived, never stored."""

    __tablename__ = "campaign_metrics"
    __table_args__ = (
        tenant_fk("campaign_id", "ad_campaigns"),
        *_non_negative("impressions", "clicks", "conversions", "spend", "revenue"),
        Index(None, "workspace_id", "date"),
    )

    campaign_id: str = Field(primary_key=True, max_length=64)
    date: dt.date = Field(primary_key=True, sa_type=Date)
    impressions: int = CounterField()
    clicks: int = CounterField()
    conversions: int = CounterField()
    spend: Decimal = CounterField(sa_type=Numeric(14, 2))
    revenue: Decimal = CounterField(sa_type=Numeric(14, 2))


class Post(TenantScoped, table=True):
    """A social post (`post_...`), drafted by a person or an AI agent."""

    __tablename__ = "posts"
    __table_args__ = (
        tenant_fk("campaign_id", "ad_campaigns", ondelete="SET NULL (campaign_id)"),
        _one_of("platform", PLATFORMS),
        _one_of("post_type", POST_TYPES),
        _one_of("status", POST_STATUSES),
        CheckConstraint("ai_confidence BETWEEN 0 AND 1", name="ai_confidence"),
        Index(None, "workspace_id", "created_at"),
        Index(None, "workspace_id", "scheduled_at"),
        Index(None, "workspace_id", "status"),
        Index(None, "workspace_id", "campaign_id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    title: str | None = Field(default=None, max_length=300)
    content: str = ""
    platform: str = Field(max_length=16)
    post_type: str = Field(default="text", max_length=16)
    status: str = Field(default="draft", max_length=16)
    scheduled_at: datetime | None = TimestampField(default=None)
    published_at: datetime | None = TimestampField(default=None)
    # [{"type": "image", "url": ..., "thumbnail": ..., "alt": ...}]
    media: list[dict[str, Any]] = JsonField(default_factory=list)
    hashtags: list[str] = TextArrayField()
    ai_generated: bool = False
    ai_confidence: float | None = None
    campaign_id: str | None = Field(default=None, max_length=64)
    # Publishing (gateway/social/publishing.py): attempts so far, the last failure, and
    # the platform's id of the published post.
    publish_attempts: int = CounterField()
    publish_error: str | None = None
    external_id: str | None = Field(default=None, max_length=128)
    created_by: str | None = Field(
        default=None, foreign_key="dashboard_accounts.id", ondelete="SET NULL", max_length=64
    )
    created_at: datetime = TimestampField()
    updated_at: datetime = TimestampField()


class PostMetrics(TenantScoped, table=True):
    """The latest lifetime counters of one post, as its platform reports them.

    A snapshot rather than one row per day: platforms report a post's totals to date, so
    its performance is a state that each sync replaces; daily trends come from
    platform_daily_metrics.
    """

    __tablename__ = "post_metrics"
    __table_args__ = (
        tenant_fk("post_id", "posts"),
        *_non_negative("views", "likes", "comments", "shares", "clicks", "reach"),
    )

    post_id: str = Field(primary_key=True, max_length=64)
    views: int = CounterField()
    likes: int = CounterField()
    comments: int = CounterField()
    shares: int = CounterField()
    clicks: int = CounterField()
    reach: int | None = None  # unique accounts reached, when the platform reports it
    measured_at: datetime = TimestampField()


class AiAgent(TenantScoped, table=True):
    """An AI agent's latest state; its id is the agent's slug (`intelligence`, `content`).

    Maintained from agent_status_reports by ingestion (the newest report wins).
    """

    __tablename__ = "ai_agents"
    __table_args__ = (
        _one_of("status", AGENT_STATUSES),
        _one_of("priority", PRIORITIES),
        CheckConstraint("efficiency BETWEEN 0 AND 100", name="efficiency"),
        CheckConstraint("success_rate BETWEEN 0 AND 100", name="success_rate"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        *_non_negative("tasks_completed", "tasks_in_progress", "average_time"),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    status: str = Field(default="idle", max_length=16)
    efficiency: float | None = None
    current_task: str | None = None
    tasks_completed: int = CounterField()
    tasks_in_progress: int = CounterField()
    average_time: int | None = None  # seconds per task
    success_rate: float | None = None
    next_action: str | None = None
    priority: str | None = Field(default=None, max_length=16)
    progress: int | None = None
    estimated_completion: datetime | None = TimestampField(default=None)
    last_update: datetime = TimestampField()


class AgentStatusReport(TenantScoped, table=True):
    """One status update an agent sent (append-only). Fields it left out are null here and
    unchanged on the agent. The agent row is created by the same transaction's rollup,
    hence the deferred foreign key."""

    __tablename__ = "agent_status_reports"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "agent_id"],
            ["ai_agents.workspace_id", "ai_agents.id"],
            ondelete="CASCADE",
            deferrable=True,
            initially="DEFERRED",
        ),
        _one_of("status", AGENT_STATUSES),
        _one_of("priority", PRIORITIES),
    )

    agent_id: str = Field(primary_key=True, max_length=64)
    reported_at: datetime = TimestampField(primary_key=True)
    name: str | None = Field(default=None, max_length=200)
    status: str | None = Field(default=None, max_length=16)
    efficiency: float | None = None
    current_task: str | None = None
    tasks_completed: int | None = None
    tasks_in_progress: int | None = None
    average_time: int | None = None
    success_rate: float | None = None
    next_action: str | None = None
    priority: str | None = Field(default=None, max_length=16)
    progress: int | None = None
    estimated_completion: datetime | None = TimestampField(default=None)


class PlatformDailyMetrics(TenantScoped, table=True):
    """One social account's day: reach, engagement, followers at day end, posts published,
    attributed revenue. Per account (not per platform) so that the foreign key holds; the
    dashboard sums accounts by their platform."""

    __tablename__ = "platform_daily_metrics"
    __table_args__ = (
        tenant_fk("social_account_id", "social_accounts"),
        *_non_negative("reach", "engagement", "followers", "posts", "revenue"),
        Index(None, "workspace_id", "date"),
    )

    social_account_id: str = Field(primary_key=True, max_length=64)
    date: dt.date = Field(primary_key=True, sa_type=Date)
    reach: int = CounterField()
    engagement: int = CounterField()
    followers: int = CounterField()
    posts: int = CounterField()
    revenue: Decimal = CounterField(sa_type=Numeric(14, 2))


class BusinessSettings(TenantScoped, table=True):
    """The workspace's business profile (one row per workspace)."""

    __tablename__ = "business_settings"

    company_name: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(default=None, max_length=100)
    business_type: str | None = Field(default=None, max_length=32)
    company_size: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=2048)
    founded_year: int | None = None
    description: str | None = None
    contact: dict[str, Any] = JsonField()  # {"email", "phone", "address"}
    # {"brand_voice", "content_style", "posting_frequency", "target_audience",
    #  "business_objectives": [...]}
    marketing: dict[str, Any] = JsonField()
    updated_at: datetime = TimestampField()


class BrandSettings(TenantScoped, table=True):
    """The workspace's brand colors, asset URLs and guidelines (one row per workspace)."""

    __tablename__ = "brand_settings"

    colors: dict[str, Any] = JsonField()
    assets: dict[str, Any] = JsonField()
    guidelines: dict[str, Any] = JsonField()
    updated_at: datetime = TimestampField()
