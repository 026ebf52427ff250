"""Spec 004 data: social accounts, posts and their metrics, ad campaigns and their daily
metrics, AI agent status reports, daily platform metrics, business and brand settings.

Entities are upserted by id; metrics by (owner, day) or (post); settings by workspace.
An agent status report is appended to agent_status_reports and, in the same transaction,
moves the agent's current state forward (never backward: an older report arriving late
stays in the history only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from models import social as m
from subscriptions import social_events as ev

Platform = Literal["instagram", "facebook", "linkedin", "twitter", "tiktok", "youtube"]
_SLUG = r"^[a-z][a-z0-9_-]{0,63}$"
_COUNT = Field(default=0, ge=0)
_MONEY = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)


def _id(prefix: str) -> Any:
    return Field(default=None, pattern=rf"^{prefix}_[A-Za-z0-9_-]{{1,58}}$")


def _row(record: Record) -> dict[str, Any]:
    """Columns from a record; nested objects (JSONB) lose their unset (None) keys."""
    row = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, Record):
            value = value.model_dump(exclude_none=True)
        elif isinstance(value, list) and value and isinstance(value[0], Record):
            value = [item.model_dump(exclude_none=True) for item in value]
        row[name] = value
    return row


class SocialAccountRecord(Record):
    id: str | None = _id("social")
    platform: Platform
    username: str = Field(min_length=1, max_length=200)
    display_name: str | None = Field(default=None, max_length=200)
    followers: int = _COUNT
    is_connected: bool = True
    permissions: list[Literal["read", "write", "publish", "analytics", "messages"]] = Field(
        default_factory=list
    )
    last_sync_at: UtcDatetime | None = None
    connected_at: UtcDatetime


class MediaItem(Record):
    type: Literal["image", "video", "gif", "document"]
    url: str = Field(min_length=1, max_length=2048)
    thumbnail: str | None = Field(default=None, max_length=2048)
    alt: str | None = Field(default=None, max_length=500)


class PostRecord(Record):
    id: str | None = _id("post")
    title: str | None = Field(default=None, max_length=300)
    content: str = Field(default="", max_length=65_000)
    platform: Platform
    post_type: Literal["text", "image", "video", "carousel", "article", "story", "reel"] = "text"
    status: Literal["draft", "scheduled", "published", "failed"] = "draft"
    scheduled_at: UtcDatetime | None = None
    published_at: UtcDatetime | None = None
    media: list[MediaItem] = Field(default_factory=list, max_length=20)
    hashtags: list[str] = Field(default_factory=list, max_length=60)
    ai_generated: bool = False
    ai_confidence: float | None = Field(default=None, ge=0, le=1)
    campaign_id: str | None = None
    created_by: str | None = Field(default=None, description="a dashboard account id (usr_...)")
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = Field(default=None, description="defaults to created_at")

    @model_validator(mode="after")
    def _consistent(self) -> PostRecord:
        if self.status == "scheduled" and self.scheduled_at is None:
            raise ValueError("a scheduled post needs scheduled_at")
        if self.status == "published" and self.published_at is None:
            raise ValueError("a published post needs published_at")
        if self.updated_at is not None and self.updated_at < self.created_at:
            raise ValueError("updated_at is before created_at")
        return self


def _post_row(record: PostRecord) -> dict[str, Any]:
    row = _row(record)
    row["updated_at"] = record.updated_at or record.created_at
    return row


class PostMetricsRecord(Record):
    post_id: str
    views: int = _COUNT
    likes: int = _COUNT
    comments: int = _COUNT
    shares: int = _COUNT
    clicks: int = _COUNT
    reach: int | None = Field(default=None, ge=0)
    measured_at: UtcDatetime


class Targeting(Record):
    age_range: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}\+?$|^\d{2}\+$")
    interests: list[str] = Field(default_factory=list, max_length=100)
    locations: list[str] = Field(default_factory=list, max_length=250)


class Creative(Record):
    headline: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    media: list[MediaItem] = Field(default_factory=list, max_length=20)


class AdCampaignRecord(Record):
    id: str | None = _id("camp")
    name: str = Field(min_length=1, max_length=200)
    platform: Platform
    type: Literal["awareness", "conversion", "traffic", "engagement"]
    status: Literal["active", "paused", "completed", "pending_review", "draft"] = "pending_review"
    budget_total: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    budget_daily: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    targeting: Targeting = Field(default_factory=Targeting)
    start_at: UtcDatetime | None = None
    end_at: UtcDatetime | None = None
    creative: Creative = Field(default_factory=Creative)
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = Field(default=None, description="defaults to created_at")

    @model_validator(mode="after")
    def _consistent(self) -> AdCampaignRecord:
        if self.budget_daily is not None and self.budget_daily > self.budget_total:
            raise ValueError("budget_daily exceeds budget_total")
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            raise ValueError("end_at must be after start_at")
        return self


def _campaign_row(record: AdCampaignRecord) -> dict[str, Any]:
    row = _row(record)
    row["updated_at"] = record.updated_at or record.created_at
    return row


class CampaignMetricsRecord(Record):
    campaign_id: str
    date: dt.date
    impressions: int = _COUNT
    clicks: int = _COUNT
    conversions: int = _COUNT
    spend: Decimal = _MONEY
    revenue: Decimal = _MONEY

    @model_validator(mode="after")
    def _clicks_within_impressions(self) -> CampaignMetricsRecord:
        if self.clicks > self.impressions:
            raise ValueError("clicks exceed impressions")
        return self


class AgentStatusRecord(Record):
    """Fields left out keep the agent's previous value."""

    agent_id: str = Field(pattern=_SLUG, description="the agent's slug, e.g. `content`")
    reported_at: UtcDatetime
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: Literal["active", "idle", "paused", "error"] | None = None
    efficiency: float | None = Field(default=None, ge=0, le=100)
    current_task: str | None = Field(default=None, max_length=1000)
    tasks_completed: int | None = Field(default=None, ge=0)
    tasks_in_progress: int | None = Field(default=None, ge=0)
    average_time: int | None = Field(default=None, ge=0, description="seconds per task")
    success_rate: float | None = Field(default=None, ge=0, le=100)
    next_action: str | None = Field(default=None, max_length=1000)
    priority: Literal["high", "medium", "low"] | None = None
    progress: int | None = Field(default=None, ge=0, le=100)
    estimated_completion: UtcDatetime | None = None


_AGENT_FIELDS = (
    "name",
    "status",
    "efficiency",
    "current_task",
    "tasks_completed",
    "tasks_in_progress",
    "average_time",
    "success_rate",
    "next_action",
    "priority",
    "progress",
    "estimated_completion",
)
_AGENT_COLUMNS = ", ".join(_AGENT_FIELDS)
_FOLDED_FIELDS = ", ".join(
    f"(array_agg(r.{c} ORDER BY r.reported_at DESC) FILTER (WHERE r.{c} IS NOT NULL))[1] AS {c}"
    for c in _AGENT_FIELDS
)
_SET_FROM_REPORT = ", ".join(f"{c} = coalesce(r.{c}, a.{c})" for c in _AGENT_FIELDS)
# Per agent, the batch's reports newer than the agent's state folded into one: each field
# takes its newest stated value, so partial reports in one batch add up.
_FOLDED_REPORTS = f"""
SELECT r.workspace_id, r.agent_id, max(r.reported_at) AS reported_at, {_FOLDED_FIELDS}
FROM {{ins}} r LEFT JOIN ai_agents a ON a.workspace_id = r.workspace_id AND a.id = r.agent_id
WHERE r._inserted AND (a.id IS NULL OR r.reported_at >= a.last_update)
GROUP BY r.workspace_id, r.agent_id
"""
# Existing agents: a newer report overwrites what it states and keeps what it leaves out.
_ADVANCE_AGENTS = f"""
UPDATE ai_agents a SET {_SET_FROM_REPORT},
  last_update = r.reported_at
FROM ({_FOLDED_REPORTS}) r
WHERE a.workspace_id = r.workspace_id AND a.id = r.agent_id AND r.reported_at >= a.last_update
"""
# New agents: named after their slug until a report names them.
_CREATE_AGENTS = f"""
INSERT INTO ai_agents (workspace_id, id, last_update, {_AGENT_COLUMNS})
SELECT workspace_id, agent_id, reported_at,
  coalesce(name, initcap(agent_id) || ' Agent'), coalesce(status, 'idle'), efficiency,
  current_task, coalesce(tasks_completed, 0), coalesce(tasks_in_progress, 0), average_time,
  success_rate, next_action, priority, progress, estimated_completion
FROM ({_FOLDED_REPORTS}) r
ON CONFLICT (workspace_id, id) DO NOTHING
"""


class PlatformMetricsRecord(Record):
    social_account_id: str
    date: dt.date
    reach: int = _COUNT
    engagement: int = _COUNT
    followers: int = Field(default=0, ge=0, description="followers at the end of the day")
    posts: int = Field(default=0, ge=0, description="posts published that day")
    revenue: Decimal = _MONEY


class Contact(Record):
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=500)


class Marketing(Record):
    brand_voice: str | None = Field(default=None, max_length=64)
    content_style: str | None = Field(default=None, max_length=64)
    posting_frequency: str | None = Field(default=None, max_length=64)
    target_audience: str | None = Field(default=None, max_length=1000)
    business_objectives: list[str] = Field(default_factory=list, max_length=20)


class BusinessSettingsRecord(Record):
    company_name: str | None = Field(default=None, max_length=200)
    industry: str | None = Field(default=None, max_length=100)
    business_type: str | None = Field(default=None, max_length=32)
    company_size: str | None = Field(default=None, pattern=r"^\d+(-\d+|\+)?$")
    website: str | None = Field(default=None, pattern=r"^https?://\S+$", max_length=2048)
    founded_year: int | None = Field(default=None, ge=1800, le=dt.date.today().year)
    description: str | None = Field(default=None, max_length=5000)
    contact: Contact = Field(default_factory=Contact)
    marketing: Marketing = Field(default_factory=Marketing)
    updated_at: UtcDatetime


_HEX = r"^#[0-9A-Fa-f]{6}$"


class BrandColors(Record):
    primary: str | None = Field(default=None, pattern=_HEX)
    secondary: str | None = Field(default=None, pattern=_HEX)
    accent: str | None = Field(default=None, pattern=_HEX)
    background: str | None = Field(default=None, pattern=_HEX)
    text: str | None = Field(default=None, pattern=_HEX)


class BrandAssets(Record):
    primary_logo: str | None = Field(default=None, max_length=2048)
    light_logo: str | None = Field(default=None, max_length=2048)
    favicon: str | None = Field(default=None, max_length=2048)
    watermark: str | None = Field(default=None, max_length=2048)


class BrandGuidelines(Record):
    brand_voice: str | None = Field(default=None, max_length=64)
    content_style: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=5000)


class BrandSettingsRecord(Record):
    colors: BrandColors = Field(default_factory=BrandColors)
    assets: BrandAssets = Field(default_factory=BrandAssets)
    guidelines: BrandGuidelines = Field(default_factory=BrandGuidelines)
    updated_at: UtcDatetime


register(
    DataType(
        name="social_accounts",
        domain="social",
        description="Connected social media accounts with their follower counts.",
        record=SocialAccountRecord,
        table=m.SocialAccount,
        id_prefix="social",
        to_row=_row,
        example={
            "id": "social_1001",
            "platform": "instagram",
            "username": "@fernbrook",
            "display_name": "Fernbrook Studio",
            "followers": 12500,
            "permissions": ["read", "write", "publish"],
            "last_sync_at": "2024-09-15T10:00:00Z",
            "connected_at": "2024-01-15T10:30:00Z",
        },
    ),
    DataType(
        name="ad_campaigns",
        domain="social",
        description="Paid ad campaigns; budget_daily may not exceed budget_total.",
        record=AdCampaignRecord,
        table=m.AdCampaign,
        id_prefix="camp",
        to_row=_campaign_row,
        example={
            "id": "camp_2001",
            "name": "Autumn Launch",
            "platform": "facebook",
            "type": "conversion",
            "status": "active",
            "budget_total": "5000.00",
            "budget_daily": "100.00",
            "targeting": {
                "age_range": "25-45",
                "interests": ["gardening"],
                "locations": ["Canada"],
            },
            "start_at": "2024-09-01T00:00:00Z",
            "end_at": "2024-12-31T23:59:59Z",
            "creative": {"headline": "Grow more", "media": []},
            "created_at": "2024-08-25T10:30:00Z",
        },
    ),
    DataType(
        name="campaign_metrics",
        domain="social",
        description="One ad campaign's impressions, clicks, conversions, spend and revenue "
        "on one day; re-send a day to correct it.",
        record=CampaignMetricsRecord,
        table=m.CampaignMetrics,
        conflict_key=("campaign_id", "date"),
        references={"campaign_id": "ad_campaigns"},
        events=(ev.CAMPAIGN_UPDATE, ev.BUDGET_ALERT),
        example={
            "campaign_id": "camp_2001",
            "date": "2024-09-14",
            "impressions": 12500,
            "clicks": 234,
            "conversions": 9,
            "spend": "234.00",
            "revenue": "889.20",
        },
    ),
    DataType(
        name="posts",
        domain="social",
        description="Social posts; scheduled posts need scheduled_at, published ones published_at.",
        record=PostRecord,
        table=m.Post,
        id_prefix="post",
        references={"campaign_id": "ad_campaigns"},
        events=(ev.POST_STATUS,),
        to_row=_post_row,
        example={
            "id": "post_3001",
            "title": "Behind the scenes",
            "content": "How our seedlings are raised...",
            "platform": "linkedin",
            "post_type": "article",
            "status": "published",
            "scheduled_at": "2024-09-14T04:00:00Z",
            "published_at": "2024-09-14T04:00:00Z",
            "media": [{"type": "image", "url": "https://cdn.example.com/a.jpg", "alt": "A"}],
            "hashtags": ["#garden"],
            "ai_generated": True,
            "ai_confidence": 0.92,
            "campaign_id": "camp_2001",
            "created_at": "2024-09-13T10:30:00Z",
        },
    ),
    DataType(
        name="post_metrics",
        domain="social",
        description="A post's lifetime counters as of measured_at (the latest send wins).",
        record=PostMetricsRecord,
        table=m.PostMetrics,
        conflict_key=("post_id",),
        references={"post_id": "posts"},
        example={
            "post_id": "post_3001",
            "views": 12500,
            "likes": 245,
            "comments": 32,
            "shares": 18,
            "clicks": 262,
            "reach": 7000,
            "measured_at": "2024-09-15T10:00:00Z",
        },
    ),
    DataType(
        name="agent_status",
        domain="social",
        description="An AI agent's status report: kept in its history and, when newest, "
        "made its current state. Fields left out stay as they were.",
        record=AgentStatusRecord,
        table=m.AgentStatusReport,
        conflict_key=("agent_id", "reported_at"),
        on_conflict="ignore",
        rollups=(_ADVANCE_AGENTS, _CREATE_AGENTS),
        events=(ev.AGENT_UPDATE,),
        example={
            "agent_id": "intelligence",
            "reported_at": "2024-09-15T10:25:00Z",
            "name": "Intelligence Agent",
            "status": "active",
            "efficiency": 94,
            "current_task": "Analyzing competitor strategies",
            "tasks_completed": 127,
            "tasks_in_progress": 3,
            "average_time": 45,
            "success_rate": 98.5,
            "next_action": "Complete market analysis report",
            "priority": "high",
            "progress": 75,
            "estimated_completion": "2024-09-15T11:00:00Z",
        },
    ),
    DataType(
        name="platform_metrics",
        domain="social",
        description="One social account's day: reach, engagement, followers, posts, revenue.",
        record=PlatformMetricsRecord,
        table=m.PlatformDailyMetrics,
        conflict_key=("social_account_id", "date"),
        references={"social_account_id": "social_accounts"},
        example={
            "social_account_id": "social_1001",
            "date": "2024-09-14",
            "reach": 3200,
            "engagement": 245,
            "followers": 4850,
            "posts": 2,
            "revenue": "120.00",
        },
    ),
    DataType(
        name="business_settings",
        domain="social",
        description="The workspace's business profile (one per workspace; a send replaces it).",
        record=BusinessSettingsRecord,
        table=m.BusinessSettings,
        conflict_key=(),
        to_row=_row,
        example={
            "company_name": "Fernbrook Studio",
            "industry": "Horticulture",
            "business_type": "B2C",
            "company_size": "11-50",
            "website": "https://fernbrook.example",
            "founded_year": 2018,
            "contact": {"email": "hello@fernbrook.example"},
            "marketing": {"brand_voice": "friendly", "business_objectives": ["brand_awareness"]},
            "updated_at": "2024-09-15T10:30:00Z",
        },
    ),
    DataType(
        name="brand_settings",
        domain="social",
        description="The workspace's brand colors, assets and guidelines (one per workspace).",
        record=BrandSettingsRecord,
        table=m.BrandSettings,
        conflict_key=(),
        to_row=_row,
        example={
            "colors": {"primary": "#3B82F6", "text": "#1F2937"},
            "assets": {"primary_logo": "https://cdn.example.com/brand/logo.png"},
            "guidelines": {"brand_voice": "professional"},
            "updated_at": "2024-09-15T10:30:00Z",
        },
    ),
)
