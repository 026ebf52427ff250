"""The live dashboard's time series: one number per bucket for each headline metric
(docs/metrics.md, "Live dashboard"), in the workspace's local time."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.sql import REVENUE_COLUMNS, distinct_series, hourly_series, rows
from models.analytics.window import Window, bucket_key, buckets, money

# metric -> the data types whose uploads change it (cache generations)
DEPENDS: dict[str, tuple[str, ...]] = {
    "users": ("users",),
    "active_users": ("users", "messages", "sessions", "images", "favorites"),
    "messages": ("messages",),
    "revenue": ("transactions",),
    "ad_spend": (
        "meta_ads",
        "google_ads",
        "tiktok_ads",
        "linkedin_ads",
        "twitter_ads",
        "snapchat_ads",
        "ad_performance",
    ),
    "posts": ("posts",),
}

# Raw rows bucketed by a timestamp column (tables without an hourly rollup).
_RAW = {
    "ad_spend": ("ad_performance", "occurred_at", "sum(spend)"),
    "posts": ("posts", "created_at", "count(*)"),
}


async def series(
    session: AsyncSession, window: Window, granularity: str, metric: str
) -> dict[str, Any]:
    keys = buckets(window, granularity)
    if metric == "active_users":
        values: list[Any] = await distinct_series(session, window, granularity, "user")
    elif metric in _RAW:
        values = await _raw_series(session, window, granularity, *_RAW[metric])
    else:
        columns = {"users": ["new_users"], "messages": ["messages"], "revenue": REVENUE_COLUMNS}
        sums = await hourly_series(session, window, granularity, columns[metric])
        values = [sum(parts) for parts in zip(*sums.values(), strict=True)]
    if metric in ("revenue", "ad_spend"):
        values = [money(float(v)) for v in values]
    return {"metric": metric, "buckets": keys, "values": values, "total": sum(values)}


async def _raw_series(
    session: AsyncSession, window: Window, granularity: str, table: str, column: str, agg: str
) -> list[Any]:
    frame = window.frame
    trunc = "hour" if granularity == "hour" else "day"
    found = await rows(
        session,
        f"SELECT date_trunc('{trunc}', {column} AT TIME ZONE :tz) AS local, {agg} AS n "
        f"FROM {table} WHERE workspace_id = :ws AND {column} >= :start AND {column} < :end "
        "GROUP BY 1",
        ws=frame.workspace_id,
        tz=frame.tz_name,
        start=window.start,
        end=window.end,
    )
    index = {key: i for i, key in enumerate(buckets(window, granularity))}
    values: list[Any] = [0] * len(index)
    for row in found:
        local = row.local if granularity == "hour" else row.local.date()
        i = index.get(bucket_key(local, granularity))
        if i is not None:
            values[i] += row.n or 0
    return values
