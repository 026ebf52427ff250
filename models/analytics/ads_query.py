"""A spec 001 dashboard query, validated: which metrics of which sources, grouped by which
dimensions, over which time range, in buckets of how many seconds.

Every rule lives here, so the graph (resolvers/ads_metrics.py) and the streamed CSV export
refuse exactly the same queries. A refusal names the offending field as a path in the
query's own terms (`("metrics", 0, "aggregation_type")`); each surface spells it its way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import ads as m
from models.analytics import ads_registry as reg

Scalar = str | int | float | bool
Path = tuple[str | int, ...]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # buckets start on whole minutes, hours, days (UTC)


class QueryRejected(Exception):
    """Bad input. `issue` is set for spec 001's one documented object-shaped error (an
    inverted time range); every other refusal lists its fields."""

    def __init__(self, path: Path, message: str, *, issue: bool = False) -> None:
        super().__init__(message)
        self.path, self.message, self.issue = path, message, issue


@dataclass(frozen=True)
class Series:
    metric: reg.AdMetricDefinition
    source: str
    dimensions: tuple[str, ...]
    aggregation: str


@dataclass(frozen=True)
class AdQuery:
    series: tuple[Series, ...]
    start: datetime
    end: datetime  # inclusive, as spec 001's ranges are written (`...T23:59:59Z`)
    granularity: int
    filters: tuple[tuple[str, tuple[Scalar, ...]], ...]
    limit: int

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.source for s in self.series))

    def cache_args(self) -> dict[str, Any]:
        """Everything the answer depends on besides the data, in one canonical form."""
        return {
            "series": [
                [s.metric.name, s.source, list(s.dimensions), s.aggregation] for s in self.series
            ],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "granularity": self.granularity,
            "filters": [[k, list(v)] for k, v in self.filters],
            "limit": self.limit,
        }


def as_utc(moment: datetime) -> datetime:
    """Times without an offset are UTC (spec 001's Python client sends `isoformat()` of a
    naive `datetime.now()`)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def bucket_start(moment: datetime, granularity: int) -> datetime:
    seconds = (moment - _EPOCH).total_seconds()
    return datetime.fromtimestamp(math.floor(seconds / granularity) * granularity, tz=UTC)


def bucket_count(start: datetime, end: datetime, granularity: int) -> int:
    """Buckets touched by [start, end] (buckets are aligned on the epoch, not on start)."""
    first = math.floor((start - _EPOCH).total_seconds() / granularity)
    last = math.floor((end - _EPOCH).total_seconds() / granularity)
    return last - first + 1


def prepare(
    *,
    metrics: Sequence[Mapping[str, Any]],
    start: datetime,
    end: datetime,
    granularity: int,
    filters: Any = None,
    limit: int = reg.DEFAULT_LIMIT,
) -> AdQuery:
    """The query, or QueryRejected naming the first problem (the cheap checks, before any
    SQL; dimension names are checked against the data by `check_dimensions`)."""
    if not metrics:
        raise QueryRejected(("metrics",), "at least one metric is required")
    if len(metrics) > reg.MAX_METRICS:
        raise QueryRejected(("metrics",), f"at most {reg.MAX_METRICS} metrics per query")
    series = tuple(_series(i, item) for i, item in enumerate(metrics))
    start, end = as_utc(start), as_utc(end)
    if end <= start:
        raise QueryRejected(("time_range", "end"), "End time must be after start time", issue=True)
    if not reg.MIN_GRANULARITY <= granularity <= reg.MAX_GRANULARITY:
        raise QueryRejected(
            ("granularity",),
            f"must be between {reg.MIN_GRANULARITY} and {reg.MAX_GRANULARITY}",
        )
    buckets = bucket_count(start, end, granularity)
    if buckets > reg.MAX_BUCKETS:
        raise QueryRejected(
            ("granularity",),
            f"{buckets} buckets of {granularity} s in this time range; at most "
            f"{reg.MAX_BUCKETS}: use a coarser granularity or a shorter time range",
        )
    if not 1 <= limit <= reg.MAX_LIMIT:
        raise QueryRejected(("limit",), f"must be between 1 and {reg.MAX_LIMIT}")
    return AdQuery(series, start, end, granularity, _filters(filters), limit)


def _series(index: int, item: Mapping[str, Any]) -> Series:
    def path(field: str) -> Path:
        return ("metrics", index, field)

    name = item.get("name")
    metric = reg.METRICS.get(name) if isinstance(name, str) else None
    if metric is None:
        raise QueryRejected(
            path("name"), f"unknown metric {name!r}; one of: {', '.join(reg.METRICS)}"
        )
    source = item.get("data_type")
    if source not in m.AD_SOURCES:
        raise QueryRejected(
            path("data_type"),
            f"unknown data_type {source!r}; one of: {', '.join(m.AD_SOURCES)}",
        )
    aggregation = item.get("aggregation_type") or metric.default_aggregation
    if aggregation not in reg.AGGREGATIONS:
        raise QueryRejected(
            path("aggregation_type"),
            f"unknown aggregation_type {aggregation!r}; one of: {', '.join(reg.AGGREGATIONS)}",
        )
    if aggregation not in metric.aggregations:
        raise QueryRejected(
            path("aggregation_type"),
            f"{metric.name} is a ratio: a sum of ratios means nothing; use one of: "
            f"{', '.join(metric.aggregations)}",
        )
    dimensions = tuple(item.get("dimensions") or ())
    if len(dimensions) > reg.MAX_DIMENSIONS or len(set(dimensions)) != len(dimensions):
        raise QueryRejected(path("dimensions"), f"at most {reg.MAX_DIMENSIONS} distinct dimensions")
    if any(not isinstance(d, str) or not 0 < len(d) <= 128 for d in dimensions):
        raise QueryRejected(path("dimensions"), "a dimension name has 1 to 128 characters")
    return Series(metric, source, dimensions, aggregation)  # type: ignore[arg-type]


def _filters(filters: Any) -> tuple[tuple[str, tuple[Scalar, ...]], ...]:
    if filters is None:
        return ()
    if not isinstance(filters, dict):
        raise QueryRejected(("filters",), "must be an object of dimension -> value(s)")
    out = []
    for key, value in sorted(filters.items()):
        values = value if isinstance(value, list) else [value]
        if not 0 < len(key) <= 128:
            raise QueryRejected(("filters",), "a dimension name has 1 to 128 characters")
        if not 0 < len(values) <= 100 or not all(isinstance(v, Scalar) for v in values):
            raise QueryRejected(
                ("filters", key), "must be a string, number or boolean, or a list of 1 to 100"
            )
        out.append((key, tuple(values)))
    return tuple(out)


async def known_dimensions(
    session: AsyncSession, *, workspace_id: str, sources: Sequence[str]
) -> dict[str, set[str]]:
    """Per source: the columns, the documented keys and every extra key ever uploaded."""
    rows = await session.execute(
        select(m.AdDimensionKey.source, m.AdDimensionKey.key).where(
            m.AdDimensionKey.workspace_id == workspace_id,
            m.AdDimensionKey.source.in_(sources),
        )
    )
    known = {s: {*reg.COLUMN_DIMENSIONS, *reg.DOCUMENTED_DIMENSIONS} for s in sources}
    for source, key in rows:
        known[source].add(key)
    return known


async def check_dimensions(session: AsyncSession, *, workspace_id: str, query: AdQuery) -> None:
    """Refuse a dimension or filter that no record of the metric's source ever had."""
    known = await known_dimensions(session, workspace_id=workspace_id, sources=query.sources)
    for index, series in enumerate(query.series):
        have = known[series.source]
        for name in series.dimensions:
            if name not in have:
                raise QueryRejected(
                    ("metrics", index, "dimensions"),
                    f"unknown dimension {name!r} for {series.source}; one of: "
                    f"{', '.join(sorted(have))}",
                )
        for key, _ in query.filters:
            if key not in have:
                raise QueryRejected(
                    ("filters", key),
                    f"unknown dimension {key!r} for {series.source}; one of: "
                    f"{', '.join(sorted(have))}",
                )
