"""How spec 000 writes numbers and times: "Jan 1" labels, "9 PM" hours, "15:30" durations,
"15d 4h 30m" uptimes, "5.2 days"."""

from __future__ import annotations

from datetime import date, datetime

from gateway.rest.envelopes import iso_millis
from models.analytics.window import round_half


def hour_label(hour: int) -> str:
    return f"{hour % 12 or 12} {'AM' if hour < 12 else 'PM'}"


def label(key: str, granularity: str) -> str:
    """A bucket's label: "Jan 1" for days and weeks (weeks by their Monday), "Jan 2024" for
    months, "Jan 1 9 PM" for hours."""
    if granularity == "hour":
        moment = datetime.fromisoformat(key)
        return f"{moment:%b} {moment.day} {hour_label(moment.hour)}"
    day = date.fromisoformat(key)
    return f"{day:%b %Y}" if granularity == "month" else f"{day:%b} {day.day}"


def labels(keys: list[str], granularity: str) -> list[str]:
    return [label(key, granularity) for key in keys]


def duration(seconds: int) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def uptime(seconds: int) -> str:
    days, rest = divmod(int(seconds), 86400)
    return f"{days}d {rest // 3600}h {rest % 3600 // 60}m"


def days(value: float | None) -> str | None:
    return None if value is None else f"{round_half(value, 1)} days"


def millis(value: str | None) -> str | None:
    """An ISO timestamp from the graph, in spec 000's `2024-01-23T04:39:57.846Z` form."""
    return None if value is None else iso_millis(datetime.fromisoformat(value))
