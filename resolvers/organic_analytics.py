"""Spec 003's analytics in the graph: the dashboard overview and metric series, channel
performance, the funnel, attribution, saved custom reports (created and run) and exports.
The numbers are computed in gateway/organic/analytics/ (docs/metrics.md defines them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from gateway.organic import exports as export_service
from gateway.organic import report_delivery
from gateway.organic.analytics import attribution as credit
from gateway.organic.analytics import channels as ch
from gateway.organic.analytics import funnel as stages
from gateway.organic.analytics.overview import overview
from gateway.organic.analytics.reports import ReportError, check_config, run_report
from gateway.organic.analytics.window import GRANULARITIES, RangeError, date_range, zone_of
from models import organic as m
from models.base import new_id, utcnow
from resolvers.analytics_base import now_of
from resolvers.context import Info
from resolvers.errors import BadUserInput, NotFound
from resolvers.organic_dashboard import (
    Activity,
    AnalyticsExport,
    CustomReport,
    activity,
    export_of,
)
from resolvers.permissions import HasScope


@strawberry.type
class OverviewMetric:
    value: float
    change: float = strawberry.field(description="Percent change from the previous period.")
    trend: str = strawberry.field(description="up, down or flat")


@strawberry.type
class OverviewMetrics:
    revenue: OverviewMetric
    traffic: OverviewMetric
    leads: OverviewMetric
    conversion: OverviewMetric = strawberry.field(
        description="Percent of traffic that converted; change in percentage points."
    )


@strawberry.type
class ChannelShare:
    channel: str
    name: str
    revenue: float
    traffic: int
    percentage: float = strawberry.field(description="Share of the period's revenue.")


@strawberry.type
class SystemHealth:
    status: str
    services: JSON = strawberry.field(description="Provider -> operational/degraded/...")


@strawberry.type
class OrganicOverview:
    metrics: OverviewMetrics
    channels: list[ChannelShare]
    system_health: SystemHealth
    recent_activity: list[Activity]


@strawberry.type
class SeriesPoint:
    date: str
    value: float


@strawberry.type
class MetricSeries:
    name: str
    total: float
    series: list[SeriesPoint]


@strawberry.type
class ChannelPerformance:
    channel: str
    metrics: JSON
    series: JSON


@strawberry.type
class FunnelStep:
    name: str
    count: int
    percentage: float
    dropoff: float | None


@strawberry.type
class Funnel:
    steps: list[FunnelStep]
    overall_conversion: float


@strawberry.type
class AttributionChannel:
    channel: str
    touchpoints: int
    attributed_revenue: Decimal
    attributed_conversions: Decimal
    weight: Decimal


@strawberry.type
class AttributionReport:
    model: str
    channels: list[AttributionChannel]
    total_revenue: Decimal
    total_conversions: int
    half_life_days: int = credit.HALF_LIFE_DAYS
    lookback_days: int = credit.LOOKBACK_DAYS


@strawberry.enum
class DateRange(Enum):
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


async def _period(info: Info, start: dt.date | None, end: dt.date | None) -> Any:
    async with info.context.sessions() as session:
        zone = await zone_of(session, info.context.workspace_id)
    try:
        return date_range(zone, now_of(info.context)[0], start, end)
    except RangeError as exc:
        raise BadUserInput(str(exc), details={"endDate": str(exc)}) from None


def _granularity(value: str) -> str:
    if value not in GRANULARITIES:
        raise BadUserInput(f"granularity must be one of {', '.join(GRANULARITIES)}")
    return value


@strawberry.type
class Query:
    @strawberry.field(description="The dashboard overview over a period ending today.")
    async def organic_overview(
        self, info: Info, date_range: DateRange = DateRange.MONTH
    ) -> OrganicOverview:
        ctx = info.context
        async with ctx.sessions() as session:
            data = await overview(session, ctx.workspace_id, date_range.value, now_of(ctx)[0])
        return OrganicOverview(
            metrics=OverviewMetrics(**{k: OverviewMetric(**v) for k, v in data.metrics.items()}),
            channels=[ChannelShare(**c) for c in data.channels],
            system_health=SystemHealth(status=data.health_status, services=data.services),
            recent_activity=[activity(row) for row in data.recent_activity],
        )

    @strawberry.field(description="Totals and series of dashboard metrics.")
    async def organic_metrics(
        self,
        info: Info,
        metrics: list[str] | None = None,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        granularity: str = "day",
    ) -> list[MetricSeries]:
        names = metrics or ["revenue", "traffic"]
        if unknown := sorted(set(names) - set(ch.METRICS)):
            raise BadUserInput(
                f"unknown metrics {unknown}; known: {', '.join(ch.METRICS)}",
                details={"metrics": f"known: {', '.join(ch.METRICS)}"},
            )
        granularity = _granularity(granularity)
        if granularity == "hour" and set(names) - {"leads"}:
            raise BadUserInput(
                "hour granularity is available for leads only (channel metrics are daily)",
                details={"granularity": "hour works with metrics[]=leads only"},
            )
        period = await _period(info, start_date, end_date)
        ws = info.context.workspace_id
        async with info.context.sessions() as session:
            daily = (
                ch.merged(await ch.channel_days(session, ws, period, granularity))
                if set(names) - {"leads"}
                else {}
            )
            leads = (
                await ch.leads_by_bucket(session, ws, period, granularity)
                if "leads" in names
                else {}
            )
        for key, count in leads.items():
            daily.setdefault(key, ch.Totals()).leads = count
        filled = ch.zero_filled(period, granularity, daily)
        total = ch.Totals()
        for _, sums in filled:
            total.add(sums)
        return [
            MetricSeries(
                name=name,
                total=total.value(name),
                series=[SeriesPoint(date=b.isoformat(), value=s.value(name)) for b, s in filled],
            )
            for name in dict.fromkeys(names)
        ]

    @strawberry.field(description="Per channel: totals and a series per bucket.")
    async def channel_performance(
        self,
        info: Info,
        channels: list[str] | None = None,
        metrics: list[str] | None = None,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        granularity: str = "day",
    ) -> list[ChannelPerformance]:
        known = ("revenue", "traffic", "conversions", "orders", "avgOrderValue", "conversion")
        totals = metrics or ["revenue", "traffic", "conversions", "avgOrderValue"]
        if unknown := sorted(set(totals) - set(known)):
            raise BadUserInput(f"unknown metrics {unknown}; known: {', '.join(known)}")
        if _granularity(granularity) == "hour":
            raise BadUserInput("channel metrics are daily: granularity hour is not available")
        in_series = [n for n in totals if n not in ("avgOrderValue", "conversion")] or totals
        if metrics is None:
            in_series = ["revenue", "traffic"]
        period = await _period(info, start_date, end_date)
        async with info.context.sessions() as session:
            found = await ch.channel_days(
                session, info.context.workspace_id, period, granularity, channels
            )
        return [
            ChannelPerformance(
                channel=entry.channel,
                metrics={n: entry.total.value(n) for n in totals},
                series=[
                    {"date": b.isoformat(), **{n: s.value(n) for n in in_series}}
                    for b, s in ch.zero_filled(period, granularity, entry.by_bucket)
                ],
            )
            for entry in found
        ]

    @strawberry.field(description="Visitors reaching each funnel stage, from touchpoints.")
    async def funnel(
        self, info: Info, start_date: dt.date | None = None, end_date: dt.date | None = None
    ) -> Funnel:
        period = await _period(info, start_date, end_date)
        async with info.context.sessions() as session:
            steps = await stages.funnel(session, info.context.workspace_id, period)
        return Funnel(
            steps=[FunnelStep(**s.__dict__) for s in steps],
            overall_conversion=stages.overall_conversion(steps),
        )

    @strawberry.field(description="Conversions and revenue credited to channels by a model.")
    async def attribution(
        self,
        info: Info,
        model: str = "linear",
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
    ) -> AttributionReport:
        if model not in credit.MODELS:
            raise BadUserInput(
                f"model must be one of {', '.join(credit.MODELS)}", details={"model": model}
            )
        period = await _period(info, start_date, end_date)
        async with info.context.sessions() as session:
            result = await credit.attribution(session, info.context.workspace_id, period, model)
        return AttributionReport(
            model=model,
            channels=[
                AttributionChannel(
                    channel=c.channel,
                    touchpoints=c.touchpoints,
                    attributed_revenue=c.revenue,
                    attributed_conversions=c.conversions,
                    weight=c.weight,
                )
                for c in result.channels
            ],
            total_revenue=result.total_revenue,
            total_conversions=result.total_conversions,
        )

    @strawberry.field(description="Run a saved custom report: one row per dimension value.")
    async def custom_report_rows(self, info: Info, id: strawberry.ID) -> list[JSON]:
        ctx = info.context
        async with ctx.sessions() as session:
            report = await session.get(m.CustomReport, (ctx.workspace_id, id))
            if report is None:
                raise NotFound("Report not found")
            zone = await zone_of(session, ctx.workspace_id)
            try:
                return await run_report(session, ctx.workspace_id, report.config, zone, utcnow())
            except ReportError as exc:
                raise BadUserInput(str(exc)) from None


@strawberry.input
class CustomReportInput:
    name: str
    type: str = "custom"
    config: JSON
    schedule: JSON | None = None


@strawberry.input
class ExportInput:
    format: str = "csv"
    data: str = "channel_performance"
    start_date: dt.date
    end_date: dt.date
    report_id: str | None = None


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[HasScope.of("write:data")])
    async def create_custom_report(self, info: Info, input: CustomReportInput) -> CustomReport:
        try:
            check_config(input.config)
        except ReportError as exc:
            raise BadUserInput(str(exc), details={"config": str(exc)}) from None
        schedule = report_delivery.checked_schedule(input.schedule)
        now = utcnow()
        row = m.CustomReport(
            workspace_id=info.context.workspace_id,
            id=new_id("rpt"),
            name=input.name,
            type=input.type,
            config=input.config,
            schedule=schedule,
            created_at=now,
        )
        async with info.context.sessions.begin() as session:
            zone = await zone_of(session, row.workspace_id)
            row.next_delivery_at = report_delivery.planned(schedule, zone, now)
            session.add(row)
        return CustomReport(
            id=row.id,
            name=row.name,
            type=row.type,
            config=row.config,
            schedule=row.schedule,
            created_at=row.created_at,
            next_delivery_at=row.next_delivery_at,
        )

    @strawberry.mutation(description="Export a dataset as a file, made by a job.")
    async def export_analytics(self, info: Info, input: ExportInput) -> AnalyticsExport:
        if input.format not in export_service.MEDIA:
            raise BadUserInput("format must be csv, json or xlsx", details={"format": input.format})
        if input.data not in export_service.DATASETS:
            raise BadUserInput(
                f"data must be one of {', '.join(export_service.DATASETS)}",
                details={"data": input.data},
            )
        if input.end_date < input.start_date:
            raise BadUserInput("dateRange.end is before dateRange.start")
        async with info.context.sessions.begin() as session:
            row = await export_service.request_export(
                session,
                workspace_id=info.context.workspace_id,
                format=input.format,
                data=input.data,
                start=input.start_date,
                end=input.end_date,
                report_id=input.report_id,
            )
        return export_of(row)
