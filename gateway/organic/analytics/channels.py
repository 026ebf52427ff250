"""Channel days (channel_daily_metrics) and leads, summed per bucket: channel performance,
the dashboard's metric series and the overview's totals read these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.organic.analytics.window import Range, bucket_of, buckets
from models.organic import ChannelDailyMetrics, Lead

DISPLAY_NAMES = {
    "tiktok": "TikTok",
    "blog": "Blog",
    "email": "Email",
    "organic_search": "Organic Search",
    "social": "Social",
    "direct": "Direct",
}
# Metrics the channel days can give, and the one leads give.
DAILY_METRICS = ("revenue", "traffic", "conversions", "orders")
RATE_METRICS = ("conversion", "avgOrderValue")
METRICS = (*DAILY_METRICS, "leads", *RATE_METRICS)


def display_name(channel: str) -> str:
    return DISPLAY_NAMES.get(channel, channel.replace("_", " ").title())


@dataclass
class Totals:
    revenue: Decimal = Decimal(0)
    traffic: int = 0
    conversions: int = 0
    orders: int = 0
    leads: int = 0

    def add(self, other: Totals) -> None:
        for name in ("revenue", "traffic", "conversions", "orders", "leads"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def value(self, metric: str) -> float | int:
        if metric == "revenue":
            return float(round(self.revenue, 2))
        if metric == "conversion":  # percent of traffic that converted
            return round(self.conversions / self.traffic * 100, 2) if self.traffic else 0.0
        if metric == "avgOrderValue":
            return round(float(self.revenue) / self.orders, 2) if self.orders else 0.0
        return int(getattr(self, metric))


@dataclass
class ChannelSeries:
    channel: str
    total: Totals = field(default_factory=Totals)
    by_bucket: dict[Any, Totals] = field(default_factory=lambda: defaultdict(Totals))


async def channel_days(
    session: AsyncSession,
    workspace_id: str,
    period: Range,
    granularity: str,
    channels: list[str] | None = None,
) -> list[ChannelSeries]:
    """Per channel, its totals and its per-bucket sums, by total revenue (largest first)."""
    c = ChannelDailyMetrics
    unit = "day" if granularity == "hour" else granularity
    bucket = func.date_trunc(unit, c.date).label("bucket")
    statement = (
        select(
            c.channel,
            bucket,
            func.sum(c.revenue).label("revenue"),
            func.sum(c.traffic).label("traffic"),
            func.sum(c.conversions).label("conversions"),
            func.sum(c.orders).label("orders"),
        )
        .where(c.workspace_id == workspace_id, c.date >= period.start, c.date <= period.end)
        .group_by(c.channel, bucket)
    )
    if channels:
        statement = statement.where(c.channel.in_(channels))
    series: dict[str, ChannelSeries] = {}
    for row in await session.execute(statement):
        entry = series.setdefault(row.channel, ChannelSeries(row.channel))
        sums = Totals(row.revenue, int(row.traffic), int(row.conversions), int(row.orders))
        entry.by_bucket[row.bucket.date()].add(sums)
        entry.total.add(sums)
    return sorted(series.values(), key=lambda s: (-s.total.revenue, s.channel))


async def leads_by_bucket(
    session: AsyncSession, workspace_id: str, period: Range, granularity: str
) -> dict[Any, int]:
    """New leads per bucket (their signup time, in the workspace's timezone)."""
    zone = period.zone.key
    local = func.timezone(zone, Lead.created_at)
    bucket = func.date_trunc(granularity, local).label("bucket")
    rows = await session.execute(
        select(bucket, func.count().label("n"))
        .where(
            Lead.workspace_id == workspace_id,
            Lead.created_at >= period.since,
            Lead.created_at < period.until,
        )
        .group_by(bucket)
    )
    out: dict[Any, int] = {}
    for row in rows:
        key = row.bucket.replace(tzinfo=period.zone) if granularity == "hour" else row.bucket.date()
        out[key] = row.n
    return out


def merged(series: list[ChannelSeries]) -> dict[Any, Totals]:
    out: dict[Any, Totals] = defaultdict(Totals)
    for entry in series:
        for key, sums in entry.by_bucket.items():
            out[key].add(sums)
    return out


def zero_filled(
    period: Range, granularity: str, values: dict[Any, Totals]
) -> list[tuple[dt.date | dt.datetime, Totals]]:
    """Every bucket of the range in order, with its sums (zero where nothing happened)."""
    keys = buckets(period, granularity)
    return [(key, values.get(_key(key, granularity), Totals())) for key in keys]


def _key(bucket: dt.date | dt.datetime, granularity: str) -> Any:
    if granularity == "hour":
        return bucket
    assert isinstance(bucket, dt.date)
    return bucket_of(bucket, granularity)
