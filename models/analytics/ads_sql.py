"""The SQL behind spec 001's dashboard query, time series and CSV export.

One statement per ad source in the query, whatever the number of its metrics: the rows of
the time range are scanned once, bucketed with `date_bin` on the epoch (UTC), and grouped
by GROUPING SETS: one set per distinct dimension list among the metrics, plus () for each
bucket's totals and row count. Every metric's aggregate is computed in every set; each
series keeps the rows of its own set. Buckets without rows are left out.

Wrapped around that statement, PostgreSQL also writes the answer's text: each series' JSON
for the dashboard and the time series (`run_encoded`), CSV lines for the export
(`export_batches`). The text passes through to the client as it is: no row becomes a Python
object, which was most of the time these answers took.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Numeric,
    Select,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import ads as m
from models.analytics import ads_registry as reg
from models.analytics.ads_query import AdQuery, Series, bucket_count, bucket_start

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EXPORT_BATCH_BUCKETS = 1000


@dataclass
class EncodedSeries:
    """A series as JSON text built by PostgreSQL."""

    series: Series
    timeline: str  # [{"timestamp", "values", "count"}, ...], oldest first
    totals: str  # [the metric over each whole bucket, ...], in the same order
    buckets: int
    rows: int  # rows aggregated, summed over the buckets


def _dimension(name: str) -> Any:
    if name in reg.COLUMN_DIMENSIONS:
        return getattr(m.AdPerformance, name)
    return m.AdPerformance.dimensions[name].astext


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


_TIMESTAMP = """'"' || to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '"'"""


def _whole(series: Series) -> bool:
    """Whether `_aggregate` keeps the series' values integers."""
    return series.aggregation == "count" or (
        series.metric.integral and series.aggregation in ("sum", "min", "max")
    )


def _number_text(column: str, whole: bool, *, null: str = "null") -> str:
    """A value's text as Python writes it: a double always has a fraction or an exponent
    (PostgreSQL prints 5.0 as `5`, which a client would read as an integer)."""
    if whole:
        return f"coalesce({column}::text, '{null}')"
    return (
        f"CASE WHEN {column} IS NULL THEN '{null}' "
        f"WHEN {column} = trunc({column}) AND abs({column}) < 1e15 "
        f"THEN {column}::bigint::text || '.0' ELSE {column}::text END"
    )


def encoded_statement(
    query: AdQuery, *, workspace_id: str, source: str, series: list[Series]
) -> Select[Any]:
    """One row: `timeline<i>`, `totals<i>` for each series, then `buckets` and `rows`.

    Over `statement`'s grouped rows (bucket, d0..dn, g, n, m0..mk): a bucket's values of a
    series are the rows of that series' grouping set, keyed by its dimensions joined with
    KEY_SEPARATOR and sorted by code point (COLLATE "C"), as `_assemble` orders them; its
    total and count are the () set's row. The JSON is written as text (string_agg), compact
    as orjson writes it. Every fragment below is made of generated column names and
    integers, never of client input (that is bound in `statement`)."""
    grouped, names = statement(
        query,
        workspace_id=workspace_id,
        source=source,
        series=series,
        lower=query.start,
        upper=query.end,
        limit=query.limit,
    )
    rows = grouped.order_by(None).subquery("grouped")
    n = len(names)
    everything = (1 << n) - 1  # GROUPING(...) of the () set
    columns = [
        literal_column("bucket"),
        literal_column(f"max(n) FILTER (WHERE g = {everything})").label("n"),
    ]
    for i, s in enumerate(series):
        number = _number_text(f"m{i}", _whole(s))
        columns.append(
            literal_column(f"max({number}) FILTER (WHERE g = {everything})").label(f"t{i}")
        )
        if s.dimensions:
            mask = everything & ~sum(1 << (n - 1 - names.index(d)) for d in s.dimensions)
            parts = [f"d{names.index(d)}" for d in s.dimensions]
            key = (
                parts[0]
                if len(parts) == 1
                else f"concat_ws('{reg.KEY_SEPARATOR}', {', '.join(parts)})"
            )
            pair = f"to_json({key}::text)::text || ':' || {number}"
            values = (
                f"'{{' || coalesce(string_agg({pair}, ',' ORDER BY {key} COLLATE \"C\") "
                f"FILTER (WHERE g = {mask}), '') || '}}'"
            )
        else:
            values = (
                f"'{{\"{reg.TOTAL_KEY}\":' || max({number}) FILTER (WHERE g = {everything}) || '}}'"
            )
        columns.append(literal_column(values).label(f"v{i}"))
    per_bucket = select(*columns).select_from(rows).group_by(literal_column("bucket")).subquery("b")
    out = []
    for i in range(len(series)):
        point = (
            f"""'{{"timestamp":' || {_TIMESTAMP} || ',"values":' || v{i} """
            f"""|| ',"count":' || n || '}}'"""
        )
        out.append(
            literal_column(
                f"'[' || coalesce(string_agg({point}, ',' ORDER BY bucket), '') || ']'"
            ).label(f"timeline{i}")
        )
        out.append(
            literal_column(
                f"'[' || coalesce(string_agg(t{i}, ',' ORDER BY bucket), '') || ']'"
            ).label(f"totals{i}")
        )
    out.append(literal_column("count(*)").label("buckets"))
    out.append(literal_column("coalesce(sum(n), 0)").label("rows"))
    return select(*out).select_from(per_bucket)


async def run_encoded(
    session: AsyncSession, *, workspace_id: str, query: AdQuery
) -> list[EncodedSeries]:
    """Every series of the query, in the query's order, as JSON text: one statement per
    source."""
    by_source: dict[str, list[Series]] = {}
    for s in query.series:
        by_source.setdefault(s.source, []).append(s)
    answers: dict[int, EncodedSeries] = {}
    for source, series in by_source.items():
        sql = encoded_statement(query, workspace_id=workspace_id, source=source, series=series)
        row = (await session.execute(sql)).one()
        for i, s in enumerate(series):
            answers[id(s)] = EncodedSeries(
                s, row[2 * i], row[2 * i + 1], int(row.buckets), int(row.rows)
            )
    return [answers[id(s)] for s in query.series]


def _csv_statement(
    query: AdQuery, *, workspace_id: str, lower: datetime, upper: datetime, last: bool
) -> Select[Any]:
    """One row: the CSV lines (`timestamp,metric_value,count`) of the buckets in
    [lower, upper), or [lower, upper] when `last`; NULL when there are none."""
    (series,) = query.series
    grouped, _names = statement(
        query,
        workspace_id=workspace_id,
        source=series.source,
        series=[series],
        lower=lower,
        upper=upper,
        upper_inclusive=last,
    )
    rows = grouped.order_by(None).subquery("grouped")
    timestamp = "to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    value = _number_text("m0", _whole(series), null="")
    line = f"{timestamp} || ',' || {value} || ',' || n || E'\\n'"
    return select(literal_column(f"string_agg({line}, '' ORDER BY bucket)")).select_from(rows)


async def export_batches(
    session: AsyncSession,
    *,
    workspace_id: str,
    query: AdQuery,
    batch_buckets: int = EXPORT_BATCH_BUCKETS,
) -> AsyncIterator[str]:
    """The query's one series as CSV lines, in keyset batches over time: each batch is the
    lines of the next `batch_buckets` buckets (aligned windows), written by PostgreSQL, so
    memory stays flat in the bucket count."""
    step = timedelta(seconds=query.granularity * batch_buckets)
    lower = query.start
    window_end = bucket_start(query.start, query.granularity) + step
    while lower <= query.end:
        last = window_end > query.end
        sql = _csv_statement(
            query,
            workspace_id=workspace_id,
            lower=lower,
            upper=query.end if last else window_end,
            last=last,
        )
        lines = (await session.execute(sql)).scalar_one()
        if lines:
            yield lines
        if last:
            return
        lower, window_end = window_end, window_end + step
