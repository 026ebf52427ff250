"""Time frames for analytics: periods, local days, buckets, and the rounding rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90, "365d": 365, "all": None}
GRANULARITIES = ("hour", "day", "week", "month")
EPOCH = date(1970, 1, 1)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Frame:
    """Who and when: a workspace, its timezone, and the moment "now"."""

    workspace_id: str
    tz_name: str
    now: datetime

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.tz_name)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def midnight(self, day: date) -> datetime:
        """The instant a local day starts (DST-aware), in UTC."""
        return datetime.combine(day, time(), tzinfo=self.tz).astimezone(UTC)

    def last_days(self, days: int | None) -> Window:
        """The last `days` local calendar days including today (None: all time)."""
        first = EPOCH if days is None else self.today - timedelta(days=days - 1)
        return Window(self, first, self.today)


@dataclass(frozen=True)
class Window:
    """Local days first..last, both included."""

    frame: Frame
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return self.frame.midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after `last`."""
        return self.frame.midnight(self.last + timedelta(days=1))

    @property
    def is_all_time(self) -> bool:
        return self.first == EPOCH

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(
            self.frame, self.first - timedelta(days=self.days), self.first - timedelta(days=1)
        )


def bucket_key(moment: date | datetime, granularity: str) -> str:
    """The local start of the bucket holding `moment` (a local date or naive local time)."""
    if granularity == "hour":
        assert isinstance(moment, datetime)
        return moment.replace(minute=0, second=0, microsecond=0).isoformat()
    day = moment.date() if isinstance(moment, datetime) else moment
    if granularity == "week":
        day = day - timedelta(days=day.weekday())
    elif granularity == "month":
        day = day.replace(day=1)
    return day.isoformat()


def buckets(window: Window, granularity: str) -> list[str]:
    """Bucket keys covering the window, oldest first (weeks start on Monday)."""
    keys: list[str] = []
    day = window.first
    while day <= window.last:
        if granularity == "hour":
            keys += [datetime.combine(day, time(h)).isoformat() for h in range(24)]
        else:
            key = bucket_key(day, granularity)
            if not keys or keys[-1] != key:
                keys.append(key)
        day += timedelta(days=1)
    return keys


def pct(part: float, whole: float) -> float:
    """A percentage rounded half-up to one decimal; 0.0 when the whole is 0."""
    return round_half(100 * part / whole, 1) if whole else 0.0


def ratio(part: float, whole: float, places: int = 1) -> float:
    """part / whole rounded once, from the exact quotient; 0.0 when the whole is 0."""
    return round_half(float(part) / float(whole), places) if whole else 0.0


def whole_ratio(part: float, whole: float) -> int:
    """part / whole rounded once to a whole number (mean seconds); 0 when the whole is 0."""
    return int(round_half(float(part) / float(whole), 0)) if whole else 0


def money_ratio(part: float, whole: float) -> float:
    """A mean amount of money, rounded once to cents; 0.0 when the whole is 0."""
    return ratio(part, whole, 2)


def growth(current: float, previous: float) -> float:
    """Change from the previous period in percent; from 0 to something counts as 100.0."""
    if previous == 0:
        return 100.0 if current > 0 else 0.0
    return round_half(100 * (current - previous) / previous, 1)


def money(value: float) -> float:
    return round_half(float(value), 2)


def round_half(value: float, places: int) -> float:
    """Round half away from zero (the way people round), not banker's rounding."""
    factor = 10**places
    scaled = abs(value) * factor
    rounded = math.floor(scaled + 0.5 + 1e-9) / factor
    return math.copysign(rounded, value) if value else 0.0
