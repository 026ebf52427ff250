"""Ad platform performance (spec 001): one row per campaign (ad set, ad) and time slot, as
the ad platforms report it. Every extra key of an uploaded record (utm_source, country,
campaign_status, ...) is kept in `dimensions`, so dashboards can filter and group by keys
the gateway never had to know about.

A row is identified by (workspace, source, record_key): record_key is a hash of what the row
describes (campaign, ad set, ad, time, dimensions), never of its figures. Ad platforms
resend corrected figures for the same slot; the resent record replaces the row.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Index, Numeric, UniqueConstraint
from sqlmodel import Field

from models.base import JsonField, TenantScoped, TimestampField

# The columns a query of spec 001 reads besides its key: the column dimensions and measures.
COVERED_COLUMNS = (
    "campaign_name",
    "campaign_id",
    "ad_set",
    "ad_name",
    "impressions",
    "clicks",
    "conversions",
    "spend",
    "revenue",
)

# One ingestion data_type per source; "ad_performance" is the generic door for the rest.
AD_SOURCES = (
    "meta_ads",
    "google_ads",
    "tiktok_ads",
    "linkedin_ads",
    "twitter_ads",
    "snapchat_ads",
    "ad_performance",
)

# Columns a dashboard may name as a dimension besides the keys inside `dimensions`.
DIMENSION_COLUMNS = ("campaign_name", "campaign_id", "ad_set", "ad_name")

MONEY = Numeric(16, 4)  # platforms report spend to fractions of a cent (Google: micros)


class AdPerformance(TenantScoped, table=True):
    __tablename__ = "ad_performance"
    __table_args__ = (
        UniqueConstraint("workspace_id", "source", "record_key"),
        CheckConstraint(f"source IN {AD_SOURCES!r}", name="source"),
        CheckConstraint(
            "impressions >= 0 AND clicks >= 0 AND conversions >= 0", name="counts_non_negative"
        ),
        CheckConstraint("spend >= 0 AND (revenue IS NULL OR revenue >= 0)", name="money"),
        # Time-bucketed aggregation per source, optionally narrowed to one campaign.
        # Covering: a dashboard, series or export reads a time range of one source from
        # the index alone (an index-only scan), not from rows spread over the heap.
        Index(
            None,
            "workspace_id",
            "source",
            "occurred_at",
            postgresql_include=[*COVERED_COLUMNS],
        ),
        Index(None, "workspace_id", "source", "campaign_name", "occurred_at"),
        # Filters on dimensions use containment (dimensions @> '{"country": "US"}').
        Index(
            "ix_ad_performance_dimensions",
            "dimensions",
            postgresql_using="gin",
            postgresql_ops={"dimensions": "jsonb_path_ops"},
        ),
    )

    # `adp_` + a hash of (source, record_key): the same slot always gets the same id.
    id: str = Field(primary_key=True, max_length=64)
    source: str = Field(max_length=32)
    record_key: str = Field(max_length=64)
    campaign_name: str = Field(max_length=300)
    campaign_id: str | None = Field(default=None, max_length=128)
    ad_set: str | None = Field(default=None, max_length=300)
    ad_name: str | None = Field(default=None, max_length=300)
    occurred_at: datetime = TimestampField()
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0
    spend: Decimal = Field(default=Decimal(0), sa_type=MONEY)
    # None: the platform reported no revenue (not the same as zero for ROAS).
    revenue: Decimal | None = Field(default=None, sa_type=MONEY)
    dimensions: dict[str, Any] = JsonField()


class AdDimensionKey(TenantScoped, table=True):
    """Each extra key ever uploaded for a source (kept by ingestion, in the upload's
    transaction), so a query naming a dimension no record of that source ever had is refused
    with the list of those that exist, without scanning the rows."""

    __tablename__ = "ad_dimension_keys"

    source: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=128)
