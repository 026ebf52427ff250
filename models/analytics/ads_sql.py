"""The SQL behind spec 001's dashboard query, time series and CSV export.

One statement per ad source in the query, whatever the number of its metrics: the rows of
the time range are scanned once, bucketed with `date_bin` on the epoch (UTC), and grouped
by GROUPING SETS: one set per distinct dimension list among the metrics, plus () for each
bucket's totals and row count. Every metric's aggregate is computed in every set; each
series keeps the rows of its own set. Buckets without rows are left out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Numeric, Select, cast, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import ads as m
from models.analytics import ads_registry as reg
from models.analytics.ads_query import AdQuery, Series, bucket_count, bucket_start

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXPORT_BATCH_BUCKETS = 1000


@dataclass
class Bucket:
    timestamp: datetime
    values: dict[str, Any] = field(default_factory=dict)
    value: Any = None  # the metric over the whole bucket
    count: int = 0  # rows in the bucket (after filters)


@dataclass
class SeriesResult:
    series: Series
    buckets: list[Bucket]


def _dimension(name: str) -> Any:
    if name in reg.COLUMN_DIMENSIONS:
        return getattr(m.AdPerformance, name)
    return m.AdPerformance.dimensions[name].astext


def _labelled(name: str, index: int) -> Any:
    return func.coalesce(_dimension(name), reg.NOT_SET).label(f"d{index}")


def _filter(key: str, values: tuple[Any, ...]) -> Any:
    if key in reg.COLUMN_DIMENSIONS:
        return getattr(m.AdPerformance, key).in_([str(v) for v in values])
    # Containment is served by the GIN index (jsonb_path_ops) and keeps JSON types apart.
    return or_(*(m.AdPerformance.dimensions.contains({key: v}) for v in values))


def _aggregate(series: Series, rows: Any) -> Any:
    """The metric's aggregate; whole numbers stay integers, the rest come back as double
    precision (decoded far faster than numeric, and JSON holds doubles anyway)."""
    value = _exact_aggregate(series, rows)
    whole = series.aggregation == "count" or (
        series.metric.integral and series.aggregation in ("sum", "min", "max")
    )
    return value if whole else cast(value, Float)


def _exact_aggregate(series: Series, rows: Any) -> Any:
    metric, how = series.metric, series.aggregation
    numerator = rows.c[metric.numerator]
    if metric.kind == reg.TOTAL:
        return {"sum": func.sum, "avg": func.avg, "min": func.min, "max": func.max}.get(
            how, func.count
        )(numerator)
    denominator = rows.c[metric.denominator]
    scale = literal(metric.scale, Numeric)
    if how == "avg":  # the group's own ratio; Numeric so bigint / bigint cannot truncate
        below = func.sum(denominator)
        if metric.reported_only:
            below = below.filter(numerator.isnot(None))
        return cast(func.sum(numerator), Numeric) * scale / func.nullif(below, 0)
    row_ratio = cast(numerator, Numeric) * scale / func.nullif(denominator, 0)
    return {"min": func.min, "max": func.max}.get(how, func.count)(row_ratio)


def statement(
    query: AdQuery,
    *,
    workspace_id: str,
    source: str,
    series: list[Series],
    lower: datetime,
    upper: datetime,
    upper_inclusive: bool = True,
    limit: int | None = None,
) -> tuple[Select[Any], list[str]]:
    """The statement for `series` (all of `source`) and the dimension behind each `dN`."""
    ap = m.AdPerformance
    names = list(dict.fromkeys(d for s in series for d in s.dimensions))
    bucket = func.date_bin(
        func.make_interval(0, 0, 0, 0, 0, 0, query.granularity), ap.occurred_at, _EPOCH
    )
    rows = (
        select(
            bucket.label("bucket"),
            *(
                func.coalesce(_dimension(d), reg.NOT_SET).label(f"d{i}")
                for i, d in enumerate(names)
            ),
            ap.spend,
            ap.impressions,
            ap.clicks,
            ap.conversions,
            ap.revenue,
        )
        .where(
            ap.workspace_id == workspace_id,
            ap.source == source,
            ap.occurred_at >= lower,
            ap.occurred_at <= upper if upper_inclusive else ap.occurred_at < upper,
            *(_filter(k, v) for k, v in query.filters),
        )
        .subquery()
    )
    dims = [rows.c[f"d{i}"] for i in range(len(names))]
    grouping: list[Any] = [rows.c.bucket]
    if dims:
        sets = dict.fromkeys(
            "(" + ", ".join(f"d{names.index(d)}" for d in s.dimensions) + ")" for s in series
        )
        sets["()"] = None
        grouping.append(text(f"GROUPING SETS ({', '.join(sets)})"))
    grouped = select(
        rows.c.bucket,
        *dims,
        (func.grouping(*dims) if dims else literal(0)).label("g"),
        func.count().label("n"),
        *(_aggregate(s, rows).label(f"m{i}") for i, s in enumerate(series)),
    ).group_by(*grouping)
    if limit is not None and bucket_count(lower, upper, query.granularity) > limit:
        # the first `limit` buckets that have rows
        ranked = grouped.add_columns(
            func.dense_rank().over(order_by=rows.c.bucket).label("r")
        ).subquery()
        final = select(*(c for c in ranked.c if c.key != "r")).where(ranked.c.r <= limit)
        final = final.order_by(ranked.c.bucket)
        return final, names
    return grouped.order_by(rows.c.bucket), names


def _assemble(series: list[Series], names: list[str], rows: Any) -> list[SeriesResult]:
    """Rows are (bucket, d0..dn, g, n, m0..mk): positions, not names, in this hot loop."""
    n = len(names)
    everything = (1 << n) - 1  # GROUPING(...) of the () set: every dimension rolled up
    masks = [everything & ~sum(1 << (n - 1 - names.index(d)) for d in s.dimensions) for s in series]
    keys = [[1 + names.index(d) for d in s.dimensions] for s in series]
    g_at, n_at, m_at = 1 + n, 2 + n, 3 + n
    results = [SeriesResult(s, []) for s in series]
    current: list[Bucket] = []
    for row in rows:
        if not current or current[0].timestamp != row[0]:
            current = [Bucket(row[0]) for _ in series]
            for result, bucket in zip(results, current, strict=True):
                result.buckets.append(bucket)
        mask = row[g_at]
        for i, s in enumerate(series):
            value = row[m_at + i]
            if mask == everything:
                current[i].value, current[i].count = value, row[n_at]
                if not s.dimensions:
                    current[i].values[reg.TOTAL_KEY] = value
            elif mask == masks[i]:
                current[i].values[reg.KEY_SEPARATOR.join([row[k] for k in keys[i]])] = value
    for result in results:
        for bucket in result.buckets:
            bucket.values = dict(sorted(bucket.values.items()))
    return results


async def run(session: AsyncSession, *, workspace_id: str, query: AdQuery) -> list[SeriesResult]:
    """Every series of the query, in the query's order: one statement per source."""
    by_source: dict[str, list[Series]] = {}
    for s in query.series:
        by_source.setdefault(s.source, []).append(s)
    answers: dict[int, SeriesResult] = {}
    for source, series in by_source.items():
        sql, names = statement(
            query,
            workspace_id=workspace_id,
            source=source,
            series=series,
            lower=query.start,
            upper=query.end,
            limit=query.limit,
        )
        rows = (await session.execute(sql)).all()
        for result in _assemble(series, names, rows):
            answers[id(result.series)] = result
    return [answers[id(s)] for s in query.series]


async def export_batches(
    session: AsyncSession,
    *,
    workspace_id: str,
    query: AdQuery,
    batch_buckets: int = EXPORT_BATCH_BUCKETS,
) -> AsyncIterator[list[Bucket]]:
    """The query's one series in keyset batches over time: each batch reads the rows of the
    next `batch_buckets` buckets (aligned windows), so memory stays flat in the bucket count."""
    (series,) = query.series
    step = timedelta(seconds=query.granularity * batch_buckets)
    lower = query.start
    window_end = bucket_start(query.start, query.granularity) + step
    while lower <= query.end:
        last = window_end > query.end
        sql, names = statement(
            query,
            workspace_id=workspace_id,
            source=series.source,
            series=[series],
            lower=lower,
            upper=query.end if last else window_end,
            upper_inclusive=last,
        )
        rows = (await session.execute(sql)).all()
        (result,) = _assemble([series], names, rows)
        if result.buckets:
            yield result.buckets
        if last:
            return
        lower, window_end = window_end, window_end + step
