"""Shared reads over the rollups: sums over a time range and series per bucket."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.window import Frame, Window, bucket_key, buckets

T = TypeVar("T")


async def together(session: Any, *reads: Awaitable[Any]) -> list[Any]:
    """The results of independent reads: at once when `session` runs each statement on a
    connection of its own (gateway/concurrent_reads.py says so with `concurrent`),
    else one after the other (one session runs one statement at a time)."""
    if getattr(session, "concurrent", False):
        return list(await asyncio.gather(*reads))
    return [await read for read in reads]


def early(session: Any, read: Awaitable[T]) -> Awaitable[T]:
    """`read` started now when `session` can run it beside the reads that follow (await it
    later), else `read` as it is, to be awaited in its turn."""
    if getattr(session, "concurrent", False):
        task = asyncio.ensure_future(read)
        # When a later read fails first, the caller never awaits this one: its own error
        # is then consumed here instead of logged as "exception was never retrieved".
        task.add_done_callback(_consume_error)
        return task
    return read


def _consume_error(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()


@functools.lru_cache(maxsize=4096)
def _text(sql: str) -> TextClause:
    """A statement's clause, parsed once per distinct text (they are few: built from fixed
    parts, the values travel as parameters)."""
    return text(sql)


async def rows(session: AsyncSession, sql: str, **params: Any) -> list[Any]:
    return list((await session.execute(_text(sql), params)).all())


async def one(session: AsyncSession, sql: str, **params: Any) -> Any:
    return (await session.execute(_text(sql), params)).one()


async def hourly_sums(
    session: AsyncSession, frame: Frame, start: datetime, end: datetime, columns: list[str]
) -> dict[str, float]:
    """Sums of platform_hourly columns over [start, end)."""
    sums = ", ".join(f"coalesce(sum({c}), 0) AS {c}" for c in columns)
    row = await one(
        session,
        f"SELECT {sums} FROM platform_hourly "
        "WHERE workspace_id = :ws AND hour >= :start AND hour < :end",
        ws=frame.workspace_id,
        start=start,
        end=end,
    )
    return {c: row._mapping[c] for c in columns}


async def hourly_series(
    session: AsyncSession, window: Window, granularity: str, columns: list[str]
) -> dict[str, list[Any]]:
    """Per bucket of the window (local time), the sums of platform_hourly columns."""
    frame = window.frame
    trunc = "hour" if granularity == "hour" else "day"
    sums = ", ".join(f"sum({c}) AS {c}" for c in columns)
    found = await rows(
        session,
        f"SELECT date_trunc('{trunc}', hour AT TIME ZONE :tz) AS local, {sums} "
        "FROM platform_hourly WHERE workspace_id = :ws AND hour >= :start AND hour < :end "
        "GROUP BY 1",
        ws=frame.workspace_id,
        tz=frame.tz_name,
        start=window.start,
        end=window.end,
    )
    keys = buckets(window, granularity)
    index = {key: i for i, key in enumerate(keys)}
    series: dict[str, list[Any]] = {c: [0] * len(keys) for c in columns}
    for row in found:
        local = row.local if granularity == "hour" else row.local.date()
        i = index.get(bucket_key(local, granularity))
        if i is not None:
            for c in columns:
                series[c][i] += row._mapping[c] or 0
    return series


async def distinct_active(
    session: AsyncSession, frame: Frame, kind: str, first: date, last: date
) -> int:
    return (await distinct_active_ranges(session, frame, kind, {"n": (first, last)}))["n"]


async def distinct_active_ranges(
    session: AsyncSession, frame: Frame, kind: str, ranges: dict[str, tuple[date, date]]
) -> dict[str, int]:
    """Distinct subjects of `kind` (platform_activity_gaps) active on local days first..last,
    for several ranges in one scan: each subject counts on its first active day in a range,
    where its previous one lies before the range."""
    params: dict[str, Any] = {"ws": frame.workspace_id, "kind": kind}
    parts = []
    for name, (first, last) in ranges.items():
        params[f"{name}_f"], params[f"{name}_l"] = first, last
        parts.append(
            f"coalesce(sum(subjects) FILTER (WHERE day BETWEEN :{name}_f AND :{name}_l "
            f"AND prev_day < :{name}_f), 0) AS {name}"
        )
    row = await one(
        session,
        f"SELECT {', '.join(parts)} FROM platform_activity_gaps "
        "WHERE workspace_id = :ws AND kind = :kind AND day BETWEEN :lo AND :hi",
        lo=min(first for first, _ in ranges.values()),
        hi=max(last for _, last in ranges.values()),
        **params,
    )
    return {name: int(row._mapping[name]) for name in ranges}


async def distinct_series(
    session: AsyncSession, window: Window, granularity: str, kind: str
) -> list[int]:
    """Distinct subjects of `kind` active per bucket of the window (local days, so hours
    count per day), each bucket clipped to the window."""
    trunc = "day" if granularity == "hour" else granularity
    found = await rows(
        session,
        f"SELECT b, sum(subjects) FILTER (WHERE prev_day < greatest(b, :first)) AS n FROM "
        f"(SELECT date_trunc('{trunc}', day)::date AS b, prev_day, subjects "
        "FROM platform_activity_gaps WHERE workspace_id = :ws AND kind = :kind "
        "AND day BETWEEN :first AND :last) g GROUP BY b",
        ws=window.frame.workspace_id,
        kind=kind,
        first=window.first,
        last=window.last,
    )
    by_key = {row.b.isoformat(): int(row.n or 0) for row in found}
    return [by_key.get(key, 0) for key in buckets(window, granularity)]


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def hourly_ranges(
    session: AsyncSession,
    frame: Frame,
    columns: list[str],
    ranges: dict[str, tuple[datetime, datetime]],
) -> dict[str, dict[str, Any]]:
    """Sums of platform_hourly columns over several [start, end) ranges in one scan."""
    params: dict[str, Any] = {"ws": frame.workspace_id}
    parts = []
    for name, (start, end) in ranges.items():
        params[f"{name}_s"], params[f"{name}_e"] = start, end
        parts += [
            f"coalesce(sum({c}) FILTER (WHERE hour >= :{name}_s AND hour < :{name}_e), 0) "
            f"AS {name}__{c}"
            for c in columns
        ]
    row = await one(
        session,
        f"SELECT {', '.join(parts)} FROM platform_hourly WHERE workspace_id = :ws",
        **params,
    )
    values = row._mapping
    return {name: {c: values[f"{name}__{c}"] for c in columns} for name in ranges}


def revenue_of(sums: dict[str, Any]) -> float:
    return float(
        sums["revenue_subscription"] + sums["revenue_point_purchase"] + sums["revenue_tip"]
    )


REVENUE_COLUMNS = ["revenue_subscription", "revenue_point_purchase", "revenue_tip"]


async def user_facets(
    session: AsyncSession, frame: Frame, facets: list[str], window: Window | None = None
) -> dict[str, dict[str, int]]:
    """Users per facet value (platform_user_facets; '' is "no value"), of those registered
    in the window's local days, or of all users."""
    period = "" if window is None else " AND registered_on BETWEEN :first AND :last"
    found = await rows(
        session,
        "SELECT facet, value, sum(users) AS n FROM platform_user_facets "
        f"WHERE workspace_id = :ws AND facet = ANY(:facets){period} GROUP BY 1, 2",
        ws=frame.workspace_id,
        facets=facets,
        **({} if window is None else {"first": window.first, "last": window.last}),
    )
    return _by_facet(facets, found)


async def character_facets(
    session: AsyncSession, frame: Frame, facets: list[str]
) -> dict[str, dict[str, int]]:
    """Characters per facet value (platform_character_facets; '' is "no value")."""
    found = await rows(
        session,
        "SELECT facet, value, characters AS n FROM platform_character_facets "
        "WHERE workspace_id = :ws AND facet = ANY(:facets) AND characters <> 0",
        ws=frame.workspace_id,
        facets=facets,
    )
    return _by_facet(facets, found)


async def characters_count(session: AsyncSession, frame: Frame, nsfw: str = "all") -> int:
    """Characters, all or only the (non-)NSFW ones (`nsfw`: "all", "true", "false")."""
    facets = await character_facets(session, frame, ["all", "nsfw"])
    every, adult = facets["all"].get("", 0), facets["nsfw"].get("", 0)
    return {"all": every, "true": adult, "false": every - adult}[nsfw]


def _by_facet(facets: list[str], found: list[Any]) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {facet: {} for facet in facets}
    for row in found:
        if row.n:
            result[row.facet][row.value] = int(row.n)
    return result


def ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(value, count) by count descending, then value; "no value" left out."""
    return sorted(((v, n) for v, n in counts.items() if v != ""), key=lambda p: (-p[1], p[0]))
