"""Date ranges in the workspace's timezone: inclusive dates, and the half-open instant
range [start 00:00, day after end 00:00) that timestamp columns are compared with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tenancy import Workspace

MAX_DAYS = 732  # two years: the longest range a route accepts
GRANULARITIES = ("hour", "day", "week", "month")


@dataclass(frozen=True)
class Range:
    start: dt.date
    end: dt.date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.zone)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), self.zone)

    def previous(self) -> Range:
        length = dt.timedelta(days=self.days)
        return Range(self.start - length, self.end - length, self.zone)


class RangeError(ValueError):
    pass


async def zone_of(session: AsyncSession, workspace_id: str) -> ZoneInfo:
    settings = await session.scalar(select(Workspace.settings).where(Workspace.id == workspace_id))
    try:
        return ZoneInfo(str((settings or {}).get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def date_range(
    zone: ZoneInfo,
    now: dt.datetime,
    start: dt.date | None,
    end: dt.date | None,
    *,
    default_days: int = 30,
) -> Range:
    """[start, end]; a missing end is today (local), or `default_days` after a future start;
    a missing start is `default_days` before the end."""
    today = now.astimezone(zone).date()
    if end is None:
        end = start + dt.timedelta(days=default_days - 1) if start and start > today else today
    if start is None:
        start = end - dt.timedelta(days=default_days - 1)
    if end < start:
        raise RangeError("endDate is before startDate")
    if (end - start).days >= MAX_DAYS:
        raise RangeError(f"a range spans at most {MAX_DAYS} days")
    return Range(start, end, zone)


def buckets(period: Range, granularity: str) -> list[dt.date | dt.datetime]:
    """Every bucket start of the range, in order (local dates; local hours for `hour`)."""
    if granularity == "hour":
        first = period.since
        count = int((period.until - first).total_seconds() // 3600)
        return [
            (first.astimezone(dt.UTC) + dt.timedelta(hours=h)).astimezone(period.zone)
            for h in range(count)
        ]
    out: list[dt.date | dt.datetime] = []
    day = bucket_of(period.start, granularity)
    while day <= period.end:
        out.append(day)
        day = _next(day, granularity)
    return out


def bucket_of(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def _next(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day + dt.timedelta(days=7)
    if granularity == "month":
        return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day + dt.timedelta(days=1)


def label(bucket: dt.date | dt.datetime) -> str:
    """`2024-03-01` for days, weeks (their Monday) and months (their first day); an hour
    as its local ISO time with offset, `2024-03-01T10:00:00+00:00`."""
    return bucket.isoformat()
