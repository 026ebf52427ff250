"""adMetrics (spec 001): one metric of one ad source in time buckets, split by dimensions.

The engine behind spec 001's dashboard query, time series and CSV export: one statement,
grouped by `date_bin` buckets and the dimensions, with a per-bucket total row from the same
scan (GROUPING SETS).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import Numeric, Select, cast, func, select, text, true
from strawberry.scalars import JSON

from models import ads as m
from resolvers.context import Info
from resolvers.errors import BadUserInput

MIN_GRANULARITY, MAX_GRANULARITY = 60, 86_400
MAX_BUCKETS = 20_000  # two weeks by the minute; keeps one answer a bounded size
MAX_DIMENSIONS = 4
NOT_SET = "(not set)"  # a row without the dimension (as analytics tools label it)
KEY_SEPARATOR = " / "  # several dimensions: "google / cpc"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # buckets start on whole minutes, hours, days (UTC)


@strawberry.enum
class AdMetric(Enum):
    TOTAL_SPEND = "total_spend"
    TOTAL_IMPRESSIONS = "total_impressions"
    TOTAL_CLICKS = "total_clicks"
    TOTAL_CONVERSIONS = "total_conversions"
    TOTAL_REVENUE = "total_revenue"
    AVG_CTR = "avg_ctr"
    AVG_CPC = "avg_cpc"
    AVG_CPA = "avg_cpa"
    ROAS = "roas"


@strawberry.type
class AdMetricBucket:
    timestamp: datetime
    values: JSON = strawberry.field(
        description="Dimension value(s) -> metric; several dimensions are joined by ' / ', "
        f"a missing one reads '{NOT_SET}'. Without dimensions the one key is 'total'."
    )
    value: float | None = strawberry.field(description="The metric over the whole bucket.")
    count: int = strawberry.field(description="Rows (reported slots) in the bucket.")


def _metric(metric: AdMetric, rows: Any) -> Any:
    """Ratios are ratios of sums (as the platforms report them), never means of row ratios:
    a 10-impression row must not weigh as much as a million-impression one."""
    total = {
        AdMetric.TOTAL_SPEND: rows.c.spend,
        AdMetric.TOTAL_IMPRESSIONS: rows.c.impressions,
        AdMetric.TOTAL_CLICKS: rows.c.clicks,
        AdMetric.TOTAL_CONVERSIONS: rows.c.conversions,
        AdMetric.TOTAL_REVENUE: rows.c.revenue,
    }.get(metric)
    if total is not None:
        return func.sum(total)
    numerator, denominator = {
        AdMetric.AVG_CTR: (rows.c.clicks, rows.c.impressions),
        AdMetric.AVG_CPC: (rows.c.spend, rows.c.clicks),
        AdMetric.AVG_CPA: (rows.c.spend, rows.c.conversions),
        AdMetric.ROAS: (rows.c.revenue, rows.c.spend),
    }[metric]
    # Numeric on both sides: sum(int) is a bigint, and bigint / bigint truncates.
    return cast(func.sum(numerator), Numeric) / func.nullif(func.sum(denominator), 0)


def _dimension(name: str) -> Any:
    if name in m.DIMENSION_COLUMNS:
        return getattr(m.AdPerformance, name)
    return m.AdPerformance.dimensions[name].astext


def _filters(filters: Any) -> list[Any]:
    if filters is None:
        return []
    if not isinstance(filters, dict) or not all(
        isinstance(v, str | int | float | bool) for v in filters.values()
    ):
        raise BadUserInput(
            "`filters` must be an object of dimension -> string, number or boolean",
            argument="filters",
        )
    columns = {k: v for k, v in filters.items() if k in m.DIMENSION_COLUMNS}
    contained = {k: v for k, v in filters.items() if k not in m.DIMENSION_COLUMNS}
    conditions = [getattr(m.AdPerformance, k) == str(v) for k, v in columns.items()]
    if contained:  # served by the GIN index (jsonb_path_ops)
        conditions.append(m.AdPerformance.dimensions.contains(contained))
    return conditions


def _check_window(start: datetime, end: datetime, granularity: int) -> None:
    if not MIN_GRANULARITY <= granularity <= MAX_GRANULARITY:
        raise BadUserInput(
            f"granularitySeconds must be between {MIN_GRANULARITY} and {MAX_GRANULARITY}",
            argument="granularitySeconds",
        )
    if end <= start:
        raise BadUserInput("`to` must be after `from`", argument="to")
    if (end - start).total_seconds() / granularity > MAX_BUCKETS:
        raise BadUserInput(
            f"at most {MAX_BUCKETS} buckets per query: widen granularitySeconds or narrow "
            "the time range",
            argument="granularitySeconds",
        )


def _check_source(source: str) -> None:
    if source not in m.AD_SOURCES:
        raise BadUserInput(
            f"unknown ad source {source!r}; one of: {', '.join(m.AD_SOURCES)}", argument="source"
        )


def _check_dimensions(dimensions: list[str]) -> None:
    if len(dimensions) > MAX_DIMENSIONS or len(set(dimensions)) != len(dimensions):
        raise BadUserInput(f"at most {MAX_DIMENSIONS} distinct dimensions", argument="dimensions")
    if any(not name or len(name) > 64 for name in dimensions):
        raise BadUserInput("a dimension name has 1 to 64 characters", argument="dimensions")


def metrics_statement(
    base: Select[Any], *, metric: AdMetric, granularity: int, dimensions: list[str]
) -> Select[Any]:
    """One row per (bucket, dimension values), plus one per bucket (`_total`) with its count.

    Bucketing happens in a subquery so GROUP BY names plain columns (bound parameters in
    a repeated expression would not match in PostgreSQL's eyes).
    """
    bucket = func.date_bin(
        func.make_interval(0, 0, 0, 0, 0, 0, granularity), m.AdPerformance.occurred_at, _EPOCH
    )
    dims = [func.coalesce(_dimension(d), NOT_SET).label(f"d{i}") for i, d in enumerate(dimensions)]
    rows = base.with_only_columns(
        bucket.label("bucket"),
        *dims,
        m.AdPerformance.spend,
        m.AdPerformance.impressions,
        m.AdPerformance.clicks,
        m.AdPerformance.conversions,
        m.AdPerformance.revenue,
    ).subquery()
    dim_columns = [rows.c[f"d{i}"] for i in range(len(dimensions))]
    if dim_columns:
        grouping = [rows.c.bucket, text(_grouping_sets(len(dim_columns)))]
        is_total = func.grouping(*dim_columns) > 0
    else:
        grouping, is_total = [rows.c.bucket], true()
    return (
        select(
            rows.c.bucket,
            *dim_columns,
            _metric(metric, rows).label("value"),
            func.count().label("count"),
            is_total.label("_total"),
        )
        .group_by(*grouping)
        .order_by(rows.c.bucket)
    )


def _grouping_sets(n: int) -> str:
    names = ", ".join(f"d{i}" for i in range(n))
    return f"GROUPING SETS (({names}), ())"


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def buckets_from_rows(rows: Any, n_dimensions: int) -> list[AdMetricBucket]:
    buckets: dict[datetime, AdMetricBucket] = {}
    for row in rows:
        bucket = buckets.get(row.bucket)
        if bucket is None:
            bucket = buckets[row.bucket] = AdMetricBucket(
                timestamp=row.bucket, values={}, value=None, count=0
            )
        if row._total:
            bucket.value, bucket.count = _number(row.value), row.count
            if n_dimensions == 0:
                bucket.values["total"] = _number(row.value)
        else:
            key = KEY_SEPARATOR.join(row[1 + i] for i in range(n_dimensions))
            bucket.values[key] = _number(row.value)
    return list(buckets.values())


@strawberry.type
class Query:
    @strawberry.field(
        description="One metric of one source in time buckets [from, to), optionally split "
        "by dimensions (campaign_name, campaign_id, ad_set, ad_name or any uploaded extra key)"
        " and narrowed by `filters` (dimension -> value). Buckets without rows are omitted."
    )
    async def ad_metrics(
        self,
        info: Info,
        source: str,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        metric: AdMetric,
        granularity_seconds: int = 3600,
        dimensions: list[str] | None = None,
        filters: JSON | None = None,
    ) -> list[AdMetricBucket]:
        dimensions = dimensions or []
        _check_source(source)
        _check_window(from_, to, granularity_seconds)
        _check_dimensions(dimensions)
        ap = info.context.scope.select(m.AdPerformance).where(
            m.AdPerformance.source == source,
            m.AdPerformance.occurred_at >= from_,
            m.AdPerformance.occurred_at < to,
            *_filters(filters),
        )
        statement = metrics_statement(
            ap, metric=metric, granularity=granularity_seconds, dimensions=dimensions
        )
        async with info.context.sessions() as session:
            rows = (await session.execute(statement)).all()
        return buckets_from_rows(rows, len(dimensions))
