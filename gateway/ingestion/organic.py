"""Spec 003, the organic marketing dashboard: content and its daily metrics, generation
jobs, integrations, saved reports, exports, the activity feed and the traffic facts
(channel days, funnel touchpoints). Email campaigns, sequences and leads are in
organic_email.py.

Entities are upserted by id (a record without an id gets a new prefixed one); activities
and touchpoints are append-only events (first copy of an id wins).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from models import organic as m
from subscriptions import organic_events as ev

SLUG = r"^[a-z][a-z0-9_]{0,31}$"
# Credentials belong in a secret store, never in a config the graph shows.
_CREDENTIAL_KEY = re.compile(r"secret|password|token|api_?key", re.IGNORECASE)


def prefixed_id(prefix: str, *, required: bool = False) -> Any:
    pattern = rf"^{prefix}_[A-Za-z0-9_-]{{1,58}}$"
    return Field(pattern=pattern) if required else Field(default=None, pattern=pattern)


def with_updated_at(record: Any) -> dict[str, Any]:
    """Rows whose record may omit updated_at: it defaults to created_at."""
    row = record.model_dump()
    row["updated_at"] = row["updated_at"] or row["created_at"]
    return row


def _credential_keys(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        found = [f"{path}{k}" for k in value if _CREDENTIAL_KEY.search(str(k))]
        for k, v in value.items():
            found += _credential_keys(v, f"{path}{k}.")
        return found
    if isinstance(value, list):
        return [key for item in value for key in _credential_keys(item, path)]
    return []


class ContentRecord(Record):
    id: str | None = prefixed_id("cnt")
    type: Literal["tiktok", "blog", "email"]
    status: Literal["draft", "scheduled", "published", "failed"] = "draft"
    title: str = Field(min_length=1, max_length=500)
    body: str = Field(default="", max_length=200_000)
    media_urls: list[str] = Field(default_factory=list, max_length=50)
    metadata: dict[str, Any] = Field(default_factory=dict)
    scheduled_at: UtcDatetime | None = None
    published_at: UtcDatetime | None = None
    created_by: str | None = Field(default=None, description="a dashboard account id")
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _status_has_its_time(self) -> ContentRecord:
        if self.status == "scheduled" and self.scheduled_at is None:
            raise ValueError("scheduled content needs scheduled_at")
        if self.status == "published" and self.published_at is None:
            raise ValueError("published content needs published_at")
        return self


class ContentMetricsRecord(Record):
    content_id: str
    date: dt.date
    views: int = Field(default=0, ge=0)
    likes: int = Field(default=0, ge=0)
    shares: int = Field(default=0, ge=0)
    saves: int = Field(default=0, ge=0)
    clicks: int = Field(default=0, ge=0)
    conversions: int = Field(default=0, ge=0)
    revenue: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)


class GenerationJobRecord(Record):
    id: str | None = prefixed_id("job")
    platform: str = Field(pattern=SLUG)
    product: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=1, max_length=64)
    tone: str | None = Field(default=None, max_length=64)
    length: str | None = Field(default=None, max_length=32)
    context: str | None = Field(default=None, max_length=10_000)
    status: Literal["processing", "complete", "failed"] = "processing"
    progress: int = Field(default=0, ge=0, le=100)
    result: dict[str, Any] | None = None
    error: str | None = Field(default=None, max_length=2000, description="why it failed")
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _complete_means_done(self) -> GenerationJobRecord:
        if self.status == "complete" and (self.progress != 100 or self.result is None):
            raise ValueError("a complete job has progress 100 and a result")
        return self


class IntegrationRecord(Record):
    id: str = prefixed_id("int", required=True)
    name: str = Field(min_length=1, max_length=200)
    provider: str = Field(pattern=SLUG)
    status: Literal["connected", "disconnected", "error"] = "disconnected"
    config: dict[str, Any] | None = None
    last_sync_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _no_credentials(self) -> IntegrationRecord:
        if keys := _credential_keys(self.config):
            raise ValueError(f"config must not hold credentials: {', '.join(keys)}")
        return self


class CustomReportRecord(Record):
    id: str | None = prefixed_id("rpt")
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(default="custom", pattern=SLUG)
    config: dict[str, Any] = Field(default_factory=dict)
    schedule: dict[str, Any] | None = None
    created_at: UtcDatetime


class AnalyticsExportRecord(Record):
    id: str | None = prefixed_id("exp")
    format: Literal["csv", "json", "xlsx"] = "csv"
    data: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    start_date: dt.date
    end_date: dt.date
    status: Literal["processing", "complete", "failed"] = "processing"
    download_url: str | None = Field(default=None, max_length=2000)
    expires_at: UtcDatetime | None = None
    created_at: UtcDatetime

    @model_validator(mode="after")
    def _consistent(self) -> AnalyticsExportRecord:
        if self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        if self.status == "complete" and not self.download_url:
            raise ValueError("a complete export needs download_url")
        return self


class ActivityRecord(Record):
    id: str | None = prefixed_id("act")
    type: str = Field(pattern=r"^[a-z][a-z0-9_.]{0,63}$")
    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    actor_id: str | None = Field(default=None, description="a dashboard account id")
    metadata: dict[str, Any] = Field(default_factory=dict)
    occurred_at: UtcDatetime


class ChannelMetricsRecord(Record):
    channel: str = Field(pattern=SLUG)
    date: dt.date
    revenue: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    traffic: int = Field(default=0, ge=0)
    conversions: int = Field(default=0, ge=0)
    orders: int = Field(default=0, ge=0)


class TouchpointRecord(Record):
    id: str | None = prefixed_id("tp")
    visitor_id: str = Field(min_length=1, max_length=64)
    channel: str = Field(pattern=SLUG)
    stage: Literal["visit", "view_product", "add_to_cart", "checkout", "purchase"]
    revenue: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    occurred_at: UtcDatetime

    @model_validator(mode="after")
    def _revenue_on_purchase(self) -> TouchpointRecord:
        if self.revenue and self.stage != "purchase":
            raise ValueError("only a purchase carries revenue")
        return self


register(
    DataType(
        name="content",
        domain="organic",
        description="TikTok videos, blog posts and emails; created_by is a dashboard account.",
        record=ContentRecord,
        table=m.ContentItem,
        id_prefix="cnt",
        events=(ev.CONTENT_PUBLISHED, ev.CONTENT_FAILED),
        to_row=with_updated_at,
        example={
            "id": "cnt_123",
            "type": "tiktok",
            "status": "scheduled",
            "title": "Deck unboxing",
            "body": "Opening the new starter deck...",
            "media_urls": ["https://cdn.example.com/v/123.mp4"],
            "metadata": {"hashtags": ["#cardgame"]},
            "scheduled_at": "2024-03-05T15:00:00Z",
            "created_at": "2024-03-01T10:00:00Z",
        },
    ),
    DataType(
        name="content_metrics",
        domain="organic",
        description="One content item's numbers for one day; re-send a day to correct it.",
        record=ContentMetricsRecord,
        table=m.ContentMetrics,
        conflict_key=("content_id", "date"),
        references={"content_id": "content_items"},
        example={
            "content_id": "cnt_123",
            "date": "2024-03-05",
            "views": 1250,
            "likes": 89,
            "shares": 12,
            "saves": 7,
            "clicks": 40,
            "conversions": 2,
            "revenue": "59.98",
        },
    ),
    DataType(
        name="generation_jobs",
        domain="organic",
        description="AI content generation requests and, once complete, their result.",
        record=GenerationJobRecord,
        table=m.GenerationJob,
        id_prefix="job",
        to_row=with_updated_at,
        example={
            "id": "job_123",
            "platform": "tiktok",
            "product": "Starter Deck",
            "content_type": "demo",
            "tone": "casual",
            "length": "short",
            "status": "processing",
            "progress": 65,
            "created_at": "2024-03-01T10:00:00Z",
        },
    ),
    DataType(
        name="integrations",
        domain="organic",
        description="Connected services (int_tiktok, int_gmail, ...); config without credentials.",
        record=IntegrationRecord,
        table=m.Integration,
        events=(ev.INTEGRATION_CONNECTED, ev.INTEGRATION_FAILED),
        example={
            "id": "int_tiktok",
            "name": "TikTok",
            "provider": "tiktok",
            "status": "connected",
            "config": {"accounts": [{"id": "tt_1", "username": "@decklab", "followers": 1200}]},
            "last_sync_at": "2024-03-01T09:00:00Z",
        },
    ),
    DataType(
        name="custom_reports",
        domain="organic",
        description="Saved analytics report definitions and their delivery schedule.",
        record=CustomReportRecord,
        table=m.CustomReport,
        id_prefix="rpt",
        example={
            "id": "rpt_123",
            "name": "Monthly performance",
            "config": {"metrics": ["revenue", "traffic"], "dimensions": ["channel"]},
            "schedule": {"frequency": "weekly", "dayOfWeek": "monday", "time": "09:00"},
            "created_at": "2024-03-01T10:00:00Z",
        },
    ),
    DataType(
        name="analytics_exports",
        domain="organic",
        description="Requested analytics exports and, once complete, their download URL.",
        record=AnalyticsExportRecord,
        table=m.AnalyticsExport,
        id_prefix="exp",
        example={
            "id": "exp_123",
            "format": "csv",
            "data": "channel_performance",
            "start_date": "2024-03-01",
            "end_date": "2024-03-31",
            "status": "complete",
            "download_url": "https://cdn.example.com/exports/exp_123.csv",
            "expires_at": "2024-03-08T10:00:00Z",
            "created_at": "2024-03-01T10:00:00Z",
        },
    ),
    DataType(
        name="activities",
        domain="organic",
        description="The dashboard's activity feed; actor_id is a dashboard account.",
        record=ActivityRecord,
        table=m.Activity,
        on_conflict="ignore",
        id_prefix="act",
        example={
            "id": "act_123",
            "type": "content_published",
            "title": "TikTok video published",
            "description": "Unboxing video went live",
            "metadata": {"contentId": "cnt_123", "platform": "tiktok"},
            "occurred_at": "2024-03-01T10:00:00Z",
        },
    ),
    DataType(
        name="channel_metrics",
        domain="organic",
        description="Revenue, traffic, conversions and orders of one channel on one day.",
        record=ChannelMetricsRecord,
        table=m.ChannelDailyMetrics,
        conflict_key=("channel", "date"),
        example={
            "channel": "tiktok",
            "date": "2024-03-01",
            "revenue": "450.00",
            "traffic": 1520,
            "conversions": 7,
            "orders": 7,
        },
    ),
    DataType(
        name="touchpoints",
        domain="organic",
        description="A visitor reaching a funnel stage via a channel; purchases carry revenue.",
        record=TouchpointRecord,
        table=m.Touchpoint,
        on_conflict="ignore",
        id_prefix="tp",
        example={
            "visitor_id": "vis_77",
            "channel": "tiktok",
            "stage": "purchase",
            "revenue": "29.99",
            "occurred_at": "2024-03-01T19:00:00Z",
        },
    ),
)
