"""The timestamp forms the legacy specs show."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_seconds(moment: datetime | None = None) -> str:
    """`2025-09-29T10:30:00Z`: the form specs 001, 003 and 004 use (now when not given)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime | None = None) -> str:
    """`2024-01-23T04:39:57.846Z`: the timestamp form spec 000 uses."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def graph_time(value: str | None) -> str | None:
    """A GraphQL DateTime (ISO 8601 with offset) in the seconds form, None as None: how
    specs 002, 003 and 004 show the graph's times."""
    return iso_seconds(datetime.fromisoformat(value)) if value else None
