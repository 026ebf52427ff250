"""adQuery (spec 001's query engine): metrics of the registry (models/analytics/
ads_registry.py) over the ad performance rows of any source, in time buckets, split by
dimensions (columns or any uploaded extra key such as utm_source) and narrowed by filters.

Spec 001's dashboard query, time series and CSV export all stand on it. Answers are cached
per workspace, query and the generations of the sources they read (an upload invalidates
them), and every answer is counted in gateway/query_stats.py.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import orjson
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from gateway.query_stats import ENGINE
from models.analytics import ads_registry as reg
from models.analytics import ads_sql
from models.analytics.ads_query import QueryRejected, check_dimensions, known_dimensions, prepare
from models.analytics.window import Frame
from resolvers.analytics_base import cached_answer
from resolvers.context import Info
from resolvers.encoded_json import EncodedJSON, plain
from resolvers.errors import GatewayError

CACHE_NAME = "dashboard"  # keys analytics:<workspace>:dashboard:... (DELETE /v1/cache/clear)
# The cached answer's form; a new one must never read an entry written in an older form
# (replicas of two releases share Redis during a rolling deploy).
ANSWER_FORM = 2  # 2: series as JSON text built by PostgreSQL


class QueryValidationError(GatewayError):
    code = "VALIDATION_ERROR"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def field_path(path: tuple[str | int, ...]) -> str:
    """`("metrics", 0, "data_type")` -> `metrics[0].dataType`, as the arguments are named."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_camel(part)}" if out else _camel(part)
    return out


def rejected(exc: QueryRejected) -> QueryValidationError:
    where = field_path(exc.path)
    details: Any = (
        {"field": where, "issue": exc.message}
        if exc.issue
        else [{"field": where, "message": exc.message}]
    )
    return QueryValidationError(exc.message, field=where, details=details)


@strawberry.input
class AdMetricRequest:
    name: str = strawberry.field(description="A metric of adMetricDefinitions: total_spend...")
    data_type: str = strawberry.field(description="The ad source: meta_ads, google_ads, ...")
    dimensions: list[str] | None = strawberry.field(
        default=None,
        description="Group by these: campaign_name, campaign_id, ad_set, ad_name or any "
        "uploaded extra key (utm_source, country, ...).",
    )
    aggregation_type: str | None = strawberry.field(
        default=None,
        description="sum, avg, min, max or count (default: sum for totals, avg for ratios).",
    )


@strawberry.input
class AdTimeRange:
    start: datetime
    end: datetime = strawberry.field(description="Inclusive. Times without offset are UTC.")


@strawberry.type
class AdMetricBucket:
    timestamp: datetime = strawberry.field(description="The bucket's start (UTC).")
    values: JSON = strawberry.field(
        description="Dimension value(s) -> metric; several dimensions are joined by ' / ', "
        f"a missing one reads '{reg.NOT_SET}'. Without dimensions the one key is 'total'."
    )
    value: float | None = strawberry.field(description="The metric over the whole bucket.")
    count: int = strawberry.field(description="Rows (reported slots) in the bucket.")


@strawberry.type
class AdMetricSeries:
    name: str
    data_type: str
    dimensions: list[str]
    aggregation_type: str
    timeline: JSON = strawberry.field(
        description="The buckets as plain JSON ({timestamp, values, count}), oldest first: "
        "spec 001's form, built by PostgreSQL."
    )
    points: JSON = strawberry.field(
        description="The buckets as plain JSON ({timestamp, values, value, count}), oldest "
        "first: the same as `buckets`, for clients that read many points at once."
    )
    bucket_count: int = strawberry.field(description="Buckets that have rows.")

    @strawberry.field(description="The buckets that have rows, oldest first.")
    def buckets(self) -> list[AdMetricBucket]:
        return [
            AdMetricBucket(
                timestamp=datetime.fromisoformat(p["timestamp"]),
                values=p["values"],
                value=p["value"],
                count=p["count"],
            )
            for p in plain(self.points)
        ]


@strawberry.type
class AdQueryResult:
    series: list[AdMetricSeries]
    data_points: int = strawberry.field(description="Rows aggregated, summed over the series.")
    cache_hit: bool
    query_time_seconds: float = strawberry.field(description="How long this answer took.")


@strawberry.type
class AdMetricDefinition:
    name: str
    kind: str = strawberry.field(description="total or ratio")
    description: str
    aggregations: list[str]
    default_aggregation: str


def _series_payload(result: ads_sql.EncodedSeries) -> dict[str, Any]:
    s = result.series
    return {
        "name": s.metric.name,
        "dataType": s.source,
        "dimensions": list(s.dimensions),
        "aggregationType": s.aggregation,
        "timeline": result.timeline,
        "totals": result.totals,
        "bucketCount": result.buckets,
    }


def _points(timeline: EncodedJSON, totals: str) -> list[dict[str, Any]]:
    """The timeline with each bucket's whole value: built only if a client asks for it."""
    return [
        {"timestamp": p["timestamp"], "values": p["values"], "value": value, "count": p["count"]}
        for p, value in zip(timeline.decoded(), orjson.loads(totals), strict=True)
    ]


def _series(answer: dict[str, Any]) -> AdMetricSeries:
    timeline = EncodedJSON(answer["timeline"])
    return AdMetricSeries(
        name=answer["name"],
        data_type=answer["dataType"],
        dimensions=answer["dimensions"],
        aggregation_type=answer["aggregationType"],
        timeline=timeline,
        points=EncodedJSON(build=lambda: _points(timeline, answer["totals"])),
        bucket_count=answer["bucketCount"],
    )


@strawberry.type
class Query:
    @strawberry.field(
        description="Spec 001's query engine: each metric in time buckets of `granularity` "
        "seconds over [timeRange.start, timeRange.end], narrowed by `filters` (dimension -> "
        "value or list of values) and cut to the first `limit` buckets. See docs/metrics.md."
    )
    async def ad_query(
        self,
        info: Info,
        metrics: list[AdMetricRequest],
        time_range: AdTimeRange,
        granularity: int = 3600,
        filters: JSON | None = None,
        limit: int = reg.DEFAULT_LIMIT,
    ) -> AdQueryResult:
        started = time.perf_counter()
        try:
            query = prepare(
                metrics=[
                    {
                        "name": m.name,
                        "data_type": m.data_type,
                        "dimensions": m.dimensions,
                        "aggregation_type": m.aggregation_type,
                    }
                    for m in metrics
                ],
                start=time_range.start,
                end=time_range.end,
                granularity=granularity,
                filters=filters,
                limit=limit,
            )
        except QueryRejected as exc:
            raise rejected(exc) from None
        workspace_id = info.context.workspace_id

        async def compute(session: AsyncSession, _frame: Frame) -> dict[str, Any]:
            with ENGINE.computing():
                await check_dimensions(session, workspace_id=workspace_id, query=query)
                results = await ads_sql.run_encoded(session, workspace_id=workspace_id, query=query)
            return {
                "series": [_series_payload(r) for r in results],
                "dataPoints": sum(r.rows for r in results),
            }

        try:
            answer, hit = await cached_answer(
                info,
                CACHE_NAME,
                {**query.cache_args(), "form": ANSWER_FORM},
                query.sources,
                compute,
            )
        except QueryRejected as exc:
            raise rejected(exc) from None
        elapsed = time.perf_counter() - started
        ENGINE.record(elapsed, cache_hit=hit)
        return AdQueryResult(
            series=[_series(s) for s in answer["series"]],
            data_points=answer["dataPoints"],
            cache_hit=hit,
            query_time_seconds=elapsed,
        )

    @strawberry.field(description="Every metric adQuery knows (docs/metrics.md defines each).")
    def ad_metric_definitions(self) -> list[AdMetricDefinition]:
        return [
            AdMetricDefinition(
                name=d.name,
                kind=d.kind,
                description=d.description,
                aggregations=list(d.aggregations),
                default_aggregation=d.default_aggregation,
            )
            for d in reg.METRICS.values()
        ]

    @strawberry.field(description="The dimensions adQuery accepts for a source.")
    async def ad_dimensions(self, info: Info, data_type: str) -> list[str]:
        async with info.context.sessions() as session:
            known = await known_dimensions(
                session, workspace_id=info.context.workspace_id, sources=[data_type]
            )
        return sorted(known[data_type])
