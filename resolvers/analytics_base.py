"""What every analytics field shares: the frame (timezone, now), the period and
granularity enums, caching keyed by data generations, and building typed results."""

from __future__ import annotations

import asyncio
import dataclasses
import typing
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, TypeVar

import orjson
import strawberry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.cache import cache_for, workspace_prefix
from gateway.concurrent_reads import ConcurrentReads
from gateway.observability import metrics
from models.analytics.window import PERIOD_DAYS, Frame, Window
from resolvers.context import Context, Info
from resolvers.errors import BadUserInput
from resolvers.permissions import HasScope

T = TypeVar("T")

ANALYTICS = [HasScope.of("read:analytics")]
REVENUE = [HasScope.of("read:revenue")]
CHARACTERS = [HasScope.of("read:characters")]
USERS = [HasScope.of("read:users")]


@strawberry.enum(description="How far back: the last N local calendar days, today included.")
class Period(Enum):
    LAST_7_DAYS = "7d"
    LAST_30_DAYS = "30d"
    LAST_90_DAYS = "90d"
    LAST_365_DAYS = "365d"
    ALL_TIME = "all"


@strawberry.enum
class Granularity(Enum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def daily_at_finest(granularity: Granularity, field: str) -> str:
    """The granularity of a series that counts distinct users or characters: those are kept
    per local day (platform_activity_gaps), so an hour bucket has no count to show."""
    if granularity is Granularity.HOUR:
        raise BadUserInput(
            f"{field} counts distinct users per local day: use DAY, WEEK or MONTH",
            argument="granularity",
        )
    return granularity.value


_FRAME_SQL = """
SELECT coalesce(w.settings->>'timezone', 'UTC') AS tz,
       coalesce(jsonb_object_agg(g.data_type, g.generation)
                FILTER (WHERE g.data_type IS NOT NULL), '{}'::jsonb) AS generations
FROM workspaces w LEFT JOIN data_generations g ON g.workspace_id = w.id
WHERE w.id = :ws GROUP BY w.id
"""
_FRAME = text(_FRAME_SQL)


def now_of(ctx: Context) -> tuple[datetime, bool]:
    """ "Now" and whether it was pinned (tests, goldens); never from a client header."""
    pinned = ctx.extras.get("now")
    if pinned is None and ctx.request is not None:
        clock = getattr(ctx.request.app.state, "clock", None)
        pinned = clock() if clock else None
    return (pinned, True) if pinned is not None else (datetime.now(UTC), False)


async def _load_frame(ctx: Context) -> tuple[Frame, dict[str, int], bool]:
    reads = ConcurrentReads(ctx.sessions)
    row = (await reads.execute(_FRAME, {"ws": ctx.workspace_id})).one_or_none()
    tz, generations = (row.tz, row.generations) if row else ("UTC", {})
    now, pinned = now_of(ctx)
    return Frame(ctx.workspace_id, tz, now), generations, pinned


async def frame_for(ctx: Context) -> Frame:
    return (await _load_frame(ctx))[0]


async def frame_of(info: Info) -> tuple[Frame, dict[str, int], bool]:
    """Read once per request (one small query), shared by all its analytics fields."""
    extras = info.context.extras
    if "analytics_frame" not in extras:
        extras["analytics_frame"] = asyncio.ensure_future(_load_frame(info.context))
    return await extras["analytics_frame"]


def window(frame: Frame, period: Period) -> Window:
    return frame.last_days(PERIOD_DAYS[period.value])


async def cached(
    info: Info,
    name: str,
    args: dict[str, Any],
    depends: tuple[str, ...],
    compute: Callable[[AsyncSession, Frame], Awaitable[Any]],
    *,
    ttl: int = 300,
) -> Any:
    """`compute`'s JSON-able result, cached per workspace, arguments and the generations
    of the data types it depends on (so an upload invalidates it on every replica)."""
    value, _hit = await cached_answer(info, name, args, depends, compute, ttl=ttl)
    return value


async def cached_answer(
    info: Info,
    name: str,
    args: dict[str, Any],
    depends: tuple[str, ...],
    compute: Callable[[AsyncSession, Frame], Awaitable[Any]],
    *,
    ttl: int = 300,
) -> tuple[Any, bool]:
    """`cached`, telling also whether the answer came from the cache."""
    frame, generations, pinned = await frame_of(info)
    if not info.context.settings.analytics_cache:  # ANALYTICS_CACHE=false: always compute
        value = await compute(ConcurrentReads(info.context.sessions), frame)
        return orjson.loads(orjson.dumps(value, default=_json_default)), False
    versions = ",".join(f"{d}={generations.get(d, 0)}" for d in depends)
    moment = frame.now.isoformat() if pinned else ""
    arguments = orjson.dumps(args, option=orjson.OPT_SORT_KEYS).decode()
    key = (
        f"{workspace_prefix(frame.workspace_id)}{name}:{arguments}:{frame.tz_name}:"
        f"{versions}:{moment}"
    )
    cache = cache_for(info.context.settings.redis_url)
    hit = await cache.get(key)
    metrics.cache_lookup(hit is not None)
    if hit is not None:
        return orjson.loads(hit), True
    # Reads, each statement on its own connection (window totals write in their own
    # transaction, through `bind`).
    value = await compute(ConcurrentReads(info.context.sessions), frame)
    payload = orjson.dumps(value, default=_json_default)
    await cache.set(key, payload, ttl)
    return orjson.loads(payload), False


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return float(value)  # Decimal


# Per Strawberry type, each field's name and the function turning its plain value into the
# field's value: worked out from the type hints once, not per value.
_BUILDERS: dict[type, list[tuple[str, Callable[[Any], Any]]]] = {}


def build(cls: type[T], data: dict[str, Any]) -> T:
    """A Strawberry type from plain data, nested types and dates included."""
    fields = _BUILDERS.get(cls)
    if fields is None:
        hints = typing.get_type_hints(cls)
        fields = _BUILDERS[cls] = [
            (f.name, _converter(hints[f.name]))
            for f in dataclasses.fields(cls)  # type: ignore[arg-type]
            if f.init and not f.name.startswith("_")
        ]
    return cls(**{name: convert(data.get(name)) for name, convert in fields})


def _same(value: Any) -> Any:
    return value


def _converter(hint: Any) -> Callable[[Any], Any]:
    """What a value of `hint` needs: a list's items converted, X | None as X, a nested type
    built, an ISO date or time parsed (None stays None); anything else as it is."""
    origin = typing.get_origin(hint)
    if origin is list:
        (item,) = typing.get_args(hint)
        each = _converter(item)
        return lambda value: None if value is None else [each(v) for v in value]
    if origin is not None:  # X | None
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _converter(inner[0]) if len(inner) == 1 else _same
    if hasattr(hint, "__strawberry_definition__"):
        return lambda value: None if value is None else build(hint, value)
    if hint is datetime:
        return lambda value: datetime.fromisoformat(value) if isinstance(value, str) else value
    if hint is date:
        return lambda value: date.fromisoformat(value) if isinstance(value, str) else value
    return _same
