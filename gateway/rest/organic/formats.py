"""How spec 003 writes values: times as `2024-03-01T10:00:00Z`, counts as integers."""

from __future__ import annotations

from gateway.rest.timestamps import graph_time

iso = graph_time  # the graph's times as this spec shows them
_INTEGRAL = {"traffic", "leads", "conversions", "orders", "touchpoints"}


def number(name: str, value: float) -> float | int:
    """Counts as integers, amounts and rates as they are."""
    return int(value) if name in _INTEGRAL else value


def money(value: str | float | None) -> float:
    """A Decimal the graph sends as text, as a JSON number."""
    return round(float(value or 0), 2)
