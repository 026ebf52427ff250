"""Saved custom reports: a config of metrics, dimensions, filters and a date range, run
over the channel days. Dimensions: `channel` and `date` (`date` by day, or `week`/`month`);
metrics: revenue, traffic, conversions, orders, conversion (percent of traffic),
avgOrderValue."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.organic.analytics.channels import Totals, channel_days
from gateway.organic.analytics.window import Range, RangeError, date_range

METRICS = ("revenue", "traffic", "conversions", "conversion", "orders", "avgOrderValue")
DIMENSIONS = ("channel", "date", "week", "month")


class ReportError(ValueError):
    pass


def check_config(config: dict[str, Any]) -> None:
    """Refuse what cannot be run, naming the part."""
    if not isinstance(config, dict):  # JSON scalars pass the graph's JSON type
        raise ReportError("config must be an object")
    if not isinstance(config.get("filters") or {}, dict):
        raise ReportError("config.filters must be an object")
    if not isinstance(config.get("dateRange") or {}, dict):
        raise ReportError("config.dateRange must be an object")
    metrics = config.get("metrics") or ["revenue", "traffic"]
    dimensions = config.get("dimensions") or ["channel"]
    if not isinstance(metrics, list) or set(map(str, metrics)) - set(METRICS):
        raise ReportError(f"config.metrics must be among {', '.join(METRICS)}")
    if not isinstance(dimensions, list) or set(map(str, dimensions)) - set(DIMENSIONS):
        raise ReportError(f"config.dimensions must be among {', '.join(DIMENSIONS)}")
    channels = (config.get("filters") or {}).get("channel")
    if channels is not None and not (
        isinstance(channels, list) and all(isinstance(c, str) for c in channels)
    ):
        raise ReportError("config.filters.channel must be a list of channel names")
    _range(config, ZoneInfo("UTC"), dt.datetime.now(dt.UTC))


def _range(config: dict[str, Any], zone: ZoneInfo, now: dt.datetime) -> Range:
    span = config.get("dateRange") or {}
    try:
        start = dt.date.fromisoformat(span["start"]) if span.get("start") else None
        end = dt.date.fromisoformat(span["end"]) if span.get("end") else None
        return date_range(zone, now, start, end)
    except (ValueError, TypeError, RangeError) as exc:
        raise ReportError(f"config.dateRange: {exc}") from None


async def run_report(
    session: AsyncSession,
    workspace_id: str,
    config: dict[str, Any],
    zone: ZoneInfo,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """One row per combination of the dimensions, with the metrics asked for."""
    check_config(config)
    metrics = config.get("metrics") or ["revenue", "traffic"]
    dimensions = config.get("dimensions") or ["channel"]
    period = _range(config, zone, now)
    granularity = next(
        (
            {"date": "day", "week": "week", "month": "month"}[d]
            for d in dimensions
            if d != "channel"
        ),
        None,
    )
    channels = (config.get("filters") or {}).get("channel")
    series = await channel_days(session, workspace_id, period, granularity or "day", channels)
    groups: dict[tuple[Any, ...], Totals] = {}
    for entry in series:
        items = entry.by_bucket.items() if granularity else [(None, entry.total)]
        for bucket, sums in items:
            key = (
                entry.channel if "channel" in dimensions else None,
                bucket.isoformat() if bucket else None,
            )
            groups.setdefault(key, Totals()).add(sums)
    rows = []
    for (channel, bucket), sums in sorted(
        groups.items(), key=lambda kv: (kv[0][1] or "", kv[0][0] or "")
    ):
        row: dict[str, Any] = {}
        if "channel" in dimensions:
            row["channel"] = channel
        if granularity:
            row["date"] = bucket
        for metric in metrics:
            row[metric] = sums.value(metric)
        rows.append(row)
    return rows
