"""Coaching creator hub (spec 002) analytics: a channel's figures, the dashboard overview,
detailed series with segments, the proactive engine's performance, and full-text search
over a knowledge base's chunks. docs/metrics.md defines every number; each field is one
SQL statement whatever the number of users, interactions or days.

Date ranges are whole UTC days, both ends included; without dates, the 30 days ending
today.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import text
from strawberry.scalars import JSON

from models.coaching import SEARCH_CONFIG
from resolvers.analytics_base import now_of
from resolvers.coaching import parse_uuid
from resolvers.context import Info
from resolvers.errors import BadUserInput

PERIODS = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
MAX_RANGE_DAYS = 366 * 2
# A change of a figure between two periods of less than this share is "stable".
TREND_TOLERANCE = 0.05


def date_range(info: Info, start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    today = now_of(info.context)[0].astimezone(dt.UTC).date()
    end = end or today
    start = start or end - dt.timedelta(days=29)
    if start > end:
        raise BadUserInput("`startDate` must not be after `endDate`", argument="startDate")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise BadUserInput(f"a range is at most {MAX_RANGE_DAYS} days", argument="startDate")
    return start, end


def _bounds(start: dt.date, end: dt.date) -> dict[str, Any]:
    lo = dt.datetime.combine(start, dt.time(), dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    return {"lo": lo, "hi": hi, "d0": start, "d1": end}


async def _rows(info: Info, sql: str, **params: Any) -> list[Any]:
    ctx = info.context
    async with ctx.reads() as session:
        result = await session.execute(text(sql), {"ws": ctx.workspace_id, **params})
        return list(result.all())


@strawberry.type
class ChannelDay:
    date: dt.date
    messages: int
    users: int
    new_users: int


@strawberry.type
class ChannelAnalytics:
    channel_id: strawberry.ID
    start_date: dt.date
    end_date: dt.date
    total_messages: int
    unique_users: int
    new_users: int
    average_response_time_seconds: float | None
    user_satisfaction_score: float | None
    engagement_rate: float | None
    daily: list[ChannelDay]


# Read from the rollups (migration 0020) instead of the channel's raw interactions: a day's
# messages and means from interaction_days, its users from user_days, each user's first
# interaction through the channel from channel_users. Days are UTC days, as the bounds are.
_CHANNEL_SQL = """
WITH firsts AS (
  SELECT user_id, first_at FROM channel_users
  WHERE workspace_id = :ws AND channel_id = :ch AND first_at < :hi
), counts AS (
  SELECT day,
    sum(interactions) FILTER (WHERE interaction_type <> 'human_escalation') AS messages,
    sum(response_seconds_sum) AS response_sum, sum(responses) AS responses,
    sum(satisfaction_sum) AS satisfaction_sum, sum(ratings) AS ratings
  FROM interaction_days
  WHERE workspace_id = :ws AND channel_id = :ch AND day >= :d0 AND day <= :d1
    AND interactions > 0
  GROUP BY day
), active AS (
  SELECT day, user_id FROM user_days
  WHERE workspace_id = :ws AND channel_id = :ch AND day >= :d0 AND day <= :d1
    AND interactions > 0  -- rollup rows brought to zero by deletes stay
), days AS (
  SELECT d::date AS day FROM generate_series(CAST(:d0 AS date), CAST(:d1 AS date), '1 day') d
)
SELECT NULL::date AS day,
  coalesce((SELECT sum(messages) FROM counts), 0)::bigint AS messages,
  -- distinct over the user-days: a user active on several days counts once
  (SELECT count(DISTINCT user_id) FROM active) AS users,
  (SELECT count(*) FROM firsts WHERE first_at >= :lo) AS new_users,
  (SELECT sum(response_sum) / nullif(sum(responses), 0) FROM counts) AS response,
  (SELECT sum(satisfaction_sum) / nullif(sum(ratings), 0) FROM counts) AS satisfaction,
  (SELECT count(*) FROM firsts) AS ever
UNION ALL
SELECT days.day, coalesce(c.messages, 0)::bigint, coalesce(a.users, 0), coalesce(f.new_users, 0),
  NULL, NULL, NULL
FROM days
LEFT JOIN counts c ON c.day = days.day
LEFT JOIN (SELECT day, count(*) AS users FROM active GROUP BY day) a ON a.day = days.day
LEFT JOIN (
  SELECT (first_at AT TIME ZONE 'UTC')::date AS day, count(*) AS new_users
  FROM firsts WHERE first_at >= :lo GROUP BY 1
) f ON f.day = days.day
ORDER BY day NULLS FIRST
"""


def _round(value: Any, digits: int = 2) -> float | None:
    return round(float(value), digits) if value is not None else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@strawberry.type
class OverviewSummary:
    total_users: int
    new_users: int
    active_users: int
    total_interactions: int
    ai_interactions: int
    human_escalations: int
    average_engagement_score: float | None
    program_completions: int


@strawberry.type
class OverviewTrends:
    user_growth_rate: float | None
    engagement_trend: str
    satisfaction_trend: str


@strawberry.type
class TopProgram:
    program_id: strawberry.ID
    program_name: str
    enrollments: int
    completion_rate: float | None


@strawberry.type
class CoachingOverview:
    period: str
    summary: OverviewSummary
    trends: OverviewTrends
    top_programs: list[TopProgram]


# The interaction figures of this period and the previous one come from interaction_days
# for the whole UTC days inside them and from the raw rows for the partial days at the three
# bounds (prev, lo, hi are the same time of day), so they stay exact to the moment. Active
# users: those whose latest interaction is in [lo, hi) from user_activity, plus those with
# a later one (dated after now) who also have one in the period.
_OVERVIEW_SQL = """
WITH u AS (
  SELECT count(*) FILTER (WHERE created_at < :hi) AS total,
         count(*) FILTER (WHERE created_at >= :lo AND created_at < :hi) AS new,
         avg(engagement_score) FILTER (WHERE created_at < :hi) AS engagement
  FROM end_users WHERE workspace_id = :ws
), r AS (
  SELECT day > :lo_day AS in_period, is_ai, interaction_type, interactions AS n,
         satisfaction_sum AS rated, ratings
  FROM interaction_days
  WHERE workspace_id = :ws AND day > :prev_day AND day < :hi_day AND day <> :lo_day
  UNION ALL
  SELECT created_at >= :lo, is_ai, interaction_type, 1, satisfaction_score,
         (satisfaction_score IS NOT NULL)::int
  FROM interactions
  WHERE workspace_id = :ws AND ((created_at >= :prev AND created_at < :prev_day_end)
    OR (created_at >= :lo_day_start AND created_at < :lo_day_end)
    OR (created_at >= :hi_day_start AND created_at < :hi))
), i AS (
  SELECT coalesce(sum(n) FILTER (WHERE in_period), 0)::bigint AS total,
         coalesce(sum(n) FILTER (WHERE in_period AND is_ai), 0)::bigint AS ai,
         coalesce(sum(n) FILTER (WHERE in_period AND interaction_type = 'human_escalation'), 0)
           ::bigint AS escalations,
         coalesce(sum(n) FILTER (WHERE NOT in_period), 0)::bigint AS before,
         sum(rated) FILTER (WHERE in_period) / nullif(sum(ratings) FILTER (WHERE in_period), 0)
           AS satisfaction,
         sum(rated) FILTER (WHERE NOT in_period)
           / nullif(sum(ratings) FILTER (WHERE NOT in_period), 0) AS satisfaction_before
  FROM r
), a AS (
  SELECT (SELECT count(*) FROM user_activity
          WHERE workspace_id = :ws AND last_at >= :lo AND last_at < :hi)
       + (SELECT count(*) FROM user_activity x
          WHERE x.workspace_id = :ws AND x.last_at >= :hi AND EXISTS (
            SELECT 1 FROM interactions y WHERE y.workspace_id = :ws AND y.user_id = x.user_id
              AND y.created_at >= :lo AND y.created_at < :hi)) AS active
), c AS (
  SELECT count(*) AS completions FROM enrollments
  WHERE workspace_id = :ws AND status = 'completed' AND completed_at >= :lo AND completed_at < :hi
)
SELECT u.total, u.new, u.engagement, a.active, i.total AS interactions, i.ai, i.escalations,
       i.before, i.satisfaction, i.satisfaction_before, c.completions
FROM u, i, a, c
"""


def _overview_bounds(now: dt.datetime, days: dt.timedelta) -> dict[str, Any]:
    """The period [lo, hi) and the previous one [prev, lo), with the UTC days holding
    each bound and where they start and end."""
    hi = now.astimezone(dt.UTC)
    lo, prev = hi - days, hi - 2 * days
    params: dict[str, Any] = {"lo": lo, "hi": hi, "prev": prev}
    for name, moment in (("prev", prev), ("lo", lo), ("hi", hi)):
        day = moment.date()
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        params |= {f"{name}_day": day, f"{name}_day_start": start,
                   f"{name}_day_end": start + dt.timedelta(days=1)}  # fmt: skip
    return params


_TOP_PROGRAMS_SQL = """
SELECT p.id, p.name, count(e.id) AS enrollments,
       count(e.id) FILTER (WHERE e.status = 'completed') AS completed
FROM programs p JOIN enrollments e ON e.workspace_id = p.workspace_id AND e.program_id = p.id
WHERE p.workspace_id = :ws AND e.enrolled_at >= :lo AND e.enrolled_at < :hi
GROUP BY p.id, p.name ORDER BY enrollments DESC, p.name, p.id LIMIT 5
"""


def trend(now: float | None, before: float | None) -> str:
    if now is None or before is None or before == 0:
        return "stable" if not now else "increasing"
    change = (now - before) / before
    if change > TREND_TOLERANCE:
        return "increasing"
    if change < -TREND_TOLERANCE:
        return "decreasing"
    return "stable"


@strawberry.enum
class DetailedMetric(Enum):
    USERS = "users"
    INTERACTIONS = "interactions"
    PROGRAMS = "programs"
    CHANNELS = "channels"


@strawberry.enum
class CoachingGranularity(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@strawberry.enum
class CoachingSegment(Enum):
    CHANNEL = "channel"
    PROGRAM = "program"
    USER_TYPE = "user_type"


@strawberry.type
class CoachingSeriesPoint:
    date: dt.date
    value: int
    segments: JSON


@strawberry.type
class CoachingSeriesTotals:
    total_value: int
    average_daily: float
    peak_value: int
    peak_date: dt.date | None


@strawberry.type
class DetailedAnalytics:
    metric: str
    start_date: dt.date
    end_date: dt.date
    granularity: str
    data: list[CoachingSeriesPoint]
    totals: CoachingSeriesTotals


# Each metric: the rows counted (with their time `at` and weight `n`) and the segment each
# belongs to.
_METRIC_ROWS = {
    DetailedMetric.USERS: (
        "SELECT u.created_at AS at, {segment} AS seg, 1 AS n FROM end_users u "
        "WHERE u.workspace_id = :ws AND u.created_at >= :lo AND u.created_at < :hi"
    ),
    DetailedMetric.INTERACTIONS: (
        "SELECT i.created_at AS at, {segment} AS seg, 1 AS n FROM interactions i "
        "LEFT JOIN programs p ON p.workspace_id = i.workspace_id AND p.id = i.program_id "
        "WHERE i.workspace_id = :ws AND i.created_at >= :lo AND i.created_at < :hi"
    ),
    DetailedMetric.PROGRAMS: (
        "SELECT e.enrolled_at AS at, {segment} AS seg, 1 AS n FROM enrollments e "
        "JOIN programs p ON p.workspace_id = e.workspace_id AND p.id = e.program_id "
        "JOIN end_users u ON u.workspace_id = e.workspace_id AND u.id = e.user_id "
        "WHERE e.workspace_id = :ws AND e.enrolled_at >= :lo AND e.enrolled_at < :hi"
    ),
    DetailedMetric.CHANNELS: (
        "SELECT i.created_at AS at, {segment} AS seg, 1 AS n FROM interactions i "
        "LEFT JOIN programs p ON p.workspace_id = i.workspace_id AND p.id = i.program_id "
        "WHERE i.workspace_id = :ws AND i.created_at >= :lo AND i.created_at < :hi"
    ),
}
# The segment of a row, by metric; `user_type` is AI or human for interactions and the
# user's active flag for users and enrolments.
_SEGMENTS = {
    (DetailedMetric.USERS, CoachingSegment.CHANNEL): "u.channel",
    (DetailedMetric.USERS, CoachingSegment.PROGRAM): "NULL",
    (DetailedMetric.USERS, CoachingSegment.USER_TYPE): (
        "CASE WHEN u.is_active THEN 'active' ELSE 'inactive' END"
    ),
    (DetailedMetric.INTERACTIONS, CoachingSegment.CHANNEL): "i.channel",
    (DetailedMetric.INTERACTIONS, CoachingSegment.PROGRAM): "p.name",
    (
        DetailedMetric.INTERACTIONS,
        CoachingSegment.USER_TYPE,
    ): "CASE WHEN i.is_ai THEN 'ai' ELSE 'human' END",
    (DetailedMetric.PROGRAMS, CoachingSegment.CHANNEL): "u.channel",
    (DetailedMetric.PROGRAMS, CoachingSegment.PROGRAM): "p.name",
    (DetailedMetric.PROGRAMS, CoachingSegment.USER_TYPE): (
        "CASE WHEN u.is_active THEN 'active' ELSE 'inactive' END"
    ),
    (DetailedMetric.CHANNELS, CoachingSegment.CHANNEL): "i.channel",
    (DetailedMetric.CHANNELS, CoachingSegment.PROGRAM): "p.name",
    (
        DetailedMetric.CHANNELS,
        CoachingSegment.USER_TYPE,
    ): "CASE WHEN i.is_ai THEN 'ai' ELSE 'human' END",
}

# Interactions split by channel type or AI come from interaction_days (whole UTC days, as
# the range is), `n` interactions per rollup row; split by program they read the raw rows.
# Users come from end_user_days the same way, whatever the segment.
_ROLLUP_ROWS = (
    "SELECT (d.day::timestamp AT TIME ZONE 'UTC') AS at, {segment} AS seg, d.{count} AS n "
    "FROM {table} d WHERE d.workspace_id = :ws AND d.day >= :d0 AND d.day <= :d1 "
    "AND d.{count} > 0"
)
_ROLLUP_SEGMENTS = {
    (DetailedMetric.INTERACTIONS, CoachingSegment.CHANNEL): "d.channel",
    (DetailedMetric.INTERACTIONS, CoachingSegment.USER_TYPE): (
        "CASE WHEN d.is_ai THEN 'ai' ELSE 'human' END"
    ),
    (DetailedMetric.USERS, CoachingSegment.CHANNEL): "d.channel",
    (DetailedMetric.USERS, CoachingSegment.PROGRAM): "NULL",
    (DetailedMetric.USERS, CoachingSegment.USER_TYPE): (
        "CASE WHEN d.is_active THEN 'active' ELSE 'inactive' END"
    ),
}


def _series_rows(metric: DetailedMetric, segment: CoachingSegment) -> str:
    rolled = DetailedMetric.INTERACTIONS if metric is DetailedMetric.CHANNELS else metric
    if (rolled, segment) in _ROLLUP_SEGMENTS:
        users = rolled is DetailedMetric.USERS
        return _ROLLUP_ROWS.format(
            segment=_ROLLUP_SEGMENTS[(rolled, segment)],
            count="users" if users else "interactions",
            table="end_user_days" if users else "interaction_days",
        )
    return _METRIC_ROWS[metric].format(segment=_SEGMENTS[(metric, segment)])


_SERIES_SQL = """
WITH r AS ({rows}), buckets AS (
  SELECT b::date AS bucket FROM generate_series(
    date_trunc(:unit, CAST(:d0 AS date)), CAST(:d1 AS date), CAST('1 ' || :unit AS interval)) b
), counted AS (
  SELECT date_trunc(:unit, at AT TIME ZONE 'UTC')::date AS bucket, seg, sum(n)::bigint AS n
  FROM r GROUP BY 1, 2
)
SELECT b.bucket, coalesce(sum(c.n), 0)::bigint AS value,
       coalesce(jsonb_object_agg(c.seg, c.n) FILTER (WHERE c.seg IS NOT NULL), '{{}}'::jsonb)
         AS segments
FROM buckets b LEFT JOIN counted c ON c.bucket = b.bucket
GROUP BY b.bucket ORDER BY b.bucket
"""


@strawberry.type
class RulePerformance:
    rule_id: strawberry.ID
    rule_name: str
    triggers: int
    successes: int
    success_rate: float | None


@strawberry.type
class ProactiveSummary:
    total_triggers: int
    successful_engagements: int
    success_rate: float | None
    average_response_time_hours: float | None


@strawberry.type
class ProactiveAnalytics:
    start_date: dt.date
    end_date: dt.date
    summary: ProactiveSummary
    rules: list[RulePerformance]


_PROACTIVE_SQL = """
SELECT r.id, r.name, count(t.id) AS triggers, count(t.id) FILTER (WHERE t.succeeded) AS successes,
       avg(extract(epoch FROM t.responded_at - t.triggered_at) / 3600.0)
         FILTER (WHERE t.succeeded) AS hours
FROM proactive_rules r
LEFT JOIN rule_triggers t ON t.workspace_id = r.workspace_id AND t.rule_id = r.id
  AND t.triggered_at >= :lo AND t.triggered_at < :hi
WHERE r.workspace_id = :ws
GROUP BY GROUPING SETS ((r.id, r.name, r.created_at), ())
ORDER BY r.created_at NULLS FIRST, r.id
"""


@strawberry.type
class ChunkMatch:
    chunk_id: strawberry.ID
    document_id: strawberry.ID
    document_title: str
    chunk_index: int
    rank: float
    snippet: str = strawberry.field(description="The matching passage, terms in <b>...</b>.")


_SEARCH_SQL = f"""
WITH q AS (SELECT websearch_to_tsquery('{SEARCH_CONFIG}', :query) AS query)
SELECT c.id, c.document_id, d.title, c.chunk_index, ts_rank(c.search_vector, q.query) AS rank,
       ts_headline('{SEARCH_CONFIG}', c.content, q.query,
                   'MaxWords=35, MinWords=15, MaxFragments=2') AS snippet
FROM q, kb_document_chunks c
JOIN kb_documents d ON d.workspace_id = c.workspace_id AND d.id = c.document_id
WHERE c.workspace_id = :ws AND d.knowledge_base_id = :kb AND c.search_vector @@ q.query
ORDER BY rank DESC, c.document_id, c.chunk_index
LIMIT :limit
"""


@strawberry.type
class CoachingExport:
    id: strawberry.ID
    status: str
    format: str
    metrics: list[str]
    start_date: dt.date
    end_date: dt.date
    created_at: dt.datetime
    expires_at: dt.datetime | None
    error: str | None
    _file_id: strawberry.Private[str | None]

    @strawberry.field(description="When the file should be ready (a few seconds, usually).")
    def estimated_completion(self) -> dt.datetime:
        from gateway.coaching.exports import ESTIMATED_SECONDS

        return self.created_at + dt.timedelta(seconds=ESTIMATED_SECONDS)

    @strawberry.field(description="The file, downloadable by the member who asked for it.")
    def download_path(self) -> str | None:
        return f"/files/{self._file_id}" if self._file_id else None


def export_node(row: Any) -> CoachingExport:
    return CoachingExport(
        id=strawberry.ID(str(row.id)), status=row.status, format=row.format,
        metrics=list(row.metrics), start_date=row.start_date, end_date=row.end_date,
        created_at=row.created_at, expires_at=row.expires_at, error=row.error,
        _file_id=row.file_id,
    )  # fmt: skip


@strawberry.type
class Query:
    @strawberry.field(description="An analytics export of this workspace by its id.")
    async def coaching_export(self, info: Info, id: strawberry.ID) -> CoachingExport | None:
        from models.coaching import CoachingExport as Row

        row = await info.context.loaders.by_id(Row).load(parse_uuid(id))
        return export_node(row) if row else None

    @strawberry.field(description="A channel's messages and users over a date range.")
    async def channel_analytics(
        self,
        info: Info,
        channel_id: strawberry.ID,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
    ) -> ChannelAnalytics | None:
        channel = parse_uuid(channel_id, "channelId")
        start, end = date_range(info, start_date, end_date)
        exists = await _rows(
            info, "SELECT 1 FROM channels WHERE workspace_id = :ws AND id = :ch", ch=channel
        )
        if not exists:
            return None
        rows = await _rows(info, _CHANNEL_SQL, ch=channel, **_bounds(start, end))
        total, days = rows[0], rows[1:]
        return ChannelAnalytics(
            channel_id=strawberry.ID(str(channel)),
            start_date=start,
            end_date=end,
            total_messages=total.messages,
            unique_users=total.users,
            new_users=total.new_users,
            average_response_time_seconds=_round(total.response),
            user_satisfaction_score=_round(total.satisfaction),
            engagement_rate=_share(total.users, total.ever),
            daily=[ChannelDay(date=d.day, messages=d.messages, users=d.users,
                              new_users=d.new_users) for d in days],
        )  # fmt: skip

    @strawberry.field(description="The hub's figures over the period ending now (7d|30d|90d|1y).")
    async def coaching_overview(self, info: Info, period: str = "30d") -> CoachingOverview:
        if period not in PERIODS:
            raise BadUserInput(f"`period` must be one of {', '.join(PERIODS)}", argument="period")
        now = now_of(info.context)[0]
        params = _overview_bounds(now, dt.timedelta(days=PERIODS[period]))
        row = (await _rows(info, _OVERVIEW_SQL, **params))[0]
        top = await _rows(info, _TOP_PROGRAMS_SQL, lo=params["lo"], hi=params["hi"])
        established = row.total - row.new
        return CoachingOverview(
            period=period,
            summary=OverviewSummary(
                total_users=row.total,
                new_users=row.new,
                active_users=row.active,
                total_interactions=row.interactions,
                ai_interactions=row.ai,
                human_escalations=row.escalations,
                average_engagement_score=_round(row.engagement, 4),
                program_completions=row.completions,
            ),
            trends=OverviewTrends(
                user_growth_rate=_share(row.new, established),
                engagement_trend=trend(row.interactions, row.before),
                satisfaction_trend=trend(_round(row.satisfaction), _round(row.satisfaction_before)),
            ),
            top_programs=[
                TopProgram(
                    program_id=strawberry.ID(str(p.id)),
                    program_name=p.name,
                    enrollments=p.enrollments,
                    completion_rate=_share(p.completed, p.enrollments),
                )
                for p in top
            ],
        )

    @strawberry.field(description="One metric per day, week or month, split by a segment.")
    async def coaching_detailed(
        self,
        info: Info,
        metric: DetailedMetric = DetailedMetric.INTERACTIONS,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        granularity: CoachingGranularity = CoachingGranularity.DAY,
        segment: CoachingSegment = CoachingSegment.CHANNEL,
    ) -> DetailedAnalytics:
        start, end = date_range(info, start_date, end_date)
        sql = _SERIES_SQL.format(rows=_series_rows(metric, segment))
        rows = await _rows(info, sql, unit=granularity.value, **_bounds(start, end))
        points = [CoachingSeriesPoint(date=max(r.bucket, start), value=r.value, segments=r.segments)
                  for r in rows]  # fmt: skip
        total = sum(p.value for p in points)
        peak = max(points, key=lambda p: p.value, default=None)
        return DetailedAnalytics(
            metric=metric.value,
            start_date=start,
            end_date=end,
            granularity=granularity.value,
            data=points,
            totals=CoachingSeriesTotals(
                total_value=total,
                average_daily=round(total / ((end - start).days + 1), 1),
                peak_value=peak.value if peak else 0,
                peak_date=peak.date if peak and peak.value else None,
            ),
        )

    @strawberry.field(description="Proactive rule triggers and successes over a date range.")
    async def proactive_analytics(
        self, info: Info, start_date: dt.date | None = None, end_date: dt.date | None = None
    ) -> ProactiveAnalytics:
        start, end = date_range(info, start_date, end_date)
        rows = await _rows(info, _PROACTIVE_SQL, **_bounds(start, end))
        total = next(r for r in rows if r.id is None)
        return ProactiveAnalytics(
            start_date=start,
            end_date=end,
            summary=ProactiveSummary(
                total_triggers=total.triggers,
                successful_engagements=total.successes,
                success_rate=_share(total.successes, total.triggers),
                average_response_time_hours=_round(total.hours),
            ),
            rules=[
                RulePerformance(
                    rule_id=strawberry.ID(str(r.id)),
                    rule_name=r.name,
                    triggers=r.triggers,
                    successes=r.successes,
                    success_rate=_share(r.successes, r.triggers),
                )
                for r in rows
                if r.id is not None
            ],
        )

    @strawberry.field(description="A knowledge base's chunks matching `query`, best first.")
    async def knowledge_search(
        self, info: Info, knowledge_base_id: strawberry.ID, query: str, limit: int = 10
    ) -> list[ChunkMatch]:
        kb = parse_uuid(knowledge_base_id, "knowledgeBaseId")
        if not query.strip():
            raise BadUserInput("`query` must not be empty", argument="query")
        rows = await _rows(info, _SEARCH_SQL, kb=kb, query=query, limit=max(1, min(limit, 50)))
        return [
            ChunkMatch(
                chunk_id=strawberry.ID(str(r.id)),
                document_id=strawberry.ID(str(r.document_id)),
                document_title=r.title,
                chunk_index=r.chunk_index,
                rank=round(float(r.rank), 6),
                snippet=r.snippet,
            )
            for r in rows
        ]
