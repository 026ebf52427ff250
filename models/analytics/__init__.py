"""Spec 000 analytics: the SQL behind every dashboard number, once (see docs/metrics.md).

Each function takes a session and a `Frame` (workspace, timezone, now) and returns plain
data (dicts and lists of numbers, dates as ISO strings), so results can be cached as JSON.
"""
