"""The query engine's own state (spec 001's health, performance statistics and cache
management): this process's real counters, the database and Redis as checked now, and
clearing the caller's workspace's cached answers."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import psutil
import strawberry
from sqlalchemy import text

from gateway.cache import RedisCache, cache_for
from gateway.query_stats import ENGINE, PROCESS_STARTED
from resolvers.ads_metrics import QueryValidationError
from resolvers.context import Info
from resolvers.errors import GatewayError
from resolvers.permissions import IsAdmin

API_VERSION = "1.0.0"  # spec 001's
HEALTHY, UNHEALTHY, NOT_CONFIGURED = "healthy", "unhealthy", "not_configured"
_CHECK_TIMEOUT_SECONDS = 2.0


class Unavailable(GatewayError):
    code = "SERVICE_UNAVAILABLE"


@strawberry.type
class AggregationStats:
    queries_processed: int
    avg_latency: float = strawberry.field(description="Seconds per answered query.")
    cache_hit_rate: float = strawberry.field(description="Answers served by the cache.")


@strawberry.type
class AnalyticsCacheStats:
    hits: int
    misses: int
    sets: int
    hit_rate: float
    local_cache_size: int = strawberry.field(description="Entries held in this process.")


@strawberry.type
class MemoryStats:
    percent: float = strawberry.field(description="Of the machine's memory, in use.")
    available_gb: float


@strawberry.type
class RedisStats:
    connected_clients: int
    used_memory_human: str
    keyspace_hits: int
    keyspace_misses: int
    hit_rate: float


@strawberry.type
class AdEngineStats:
    aggregation: AggregationStats
    cache: AnalyticsCacheStats = strawberry.field(
        description="The analytics cache that served the answers (Redis or in-process)."
    )
    memory: MemoryStats
    active_computations: int
    redis: RedisStats | None = strawberry.field(description="Redis INFO; null without Redis.")
    uptime_seconds: int = strawberry.field(description="Since this process started.")
    version: str


@strawberry.type
class PipelineHealth:
    api: str
    aggregator: str = strawberry.field(
        description="The database the query engine reads, checked now (SELECT 1)."
    )
    redis: str = strawberry.field(description="healthy, unhealthy or not_configured (PING).")
    checked_at: datetime
    aggregation: AggregationStats


@strawberry.type
class CacheClearResult:
    keys_cleared: int
    pattern: str


def _aggregation() -> AggregationStats:
    return AggregationStats(
        queries_processed=ENGINE.queries_processed,
        avg_latency=round(ENGINE.avg_latency, 6),
        cache_hit_rate=round(ENGINE.cache_hit_rate, 4),
    )


def _redis_stats(info: dict[str, Any]) -> RedisStats:
    hits, misses = int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))
    return RedisStats(
        connected_clients=int(info.get("connected_clients", 0)),
        used_memory_human=str(info.get("used_memory_human", "")),
        keyspace_hits=hits,
        keyspace_misses=misses,
        hit_rate=round(hits / (hits + misses), 4) if hits + misses else 0.0,
    )


async def _database_status(info: Info) -> str:
    try:
        async with info.context.sessions() as session:
            await asyncio.wait_for(session.execute(text("SELECT 1")), _CHECK_TIMEOUT_SECONDS)
    except Exception:
        return UNHEALTHY
    return HEALTHY


async def _redis_status(info: Info) -> str:
    cache = cache_for(info.context.settings.redis_url)
    if not isinstance(cache, RedisCache):
        return NOT_CONFIGURED
    return HEALTHY if await cache.ping() else UNHEALTHY


@strawberry.type
class Query:
    @strawberry.field(description="The query engine's counters in this process, now.")
    async def ad_engine_stats(self, info: Info) -> AdEngineStats:
        cache = cache_for(info.context.settings.redis_url)
        counters = cache.counters
        redis = None
        if isinstance(cache, RedisCache):
            try:
                redis = _redis_stats(await cache.info())
            except Exception:
                redis = None  # Redis down: the cache fails open, and so do its figures
        memory = psutil.virtual_memory()
        return AdEngineStats(
            aggregation=_aggregation(),
            cache=AnalyticsCacheStats(
                hits=counters.hits,
                misses=counters.misses,
                sets=counters.sets,
                hit_rate=round(counters.hit_rate, 4),
                local_cache_size=cache.local_size(),
            ),
            memory=MemoryStats(
                percent=memory.percent, available_gb=round(memory.available / 1024**3, 2)
            ),
            active_computations=ENGINE.active_computations,
            redis=redis,
            uptime_seconds=int(time.time() - PROCESS_STARTED),
            version=API_VERSION,
        )

    @strawberry.field(description="The API, its database and Redis, checked now.")
    async def pipeline_health(self, info: Info) -> PipelineHealth:
        database, redis = await asyncio.gather(_database_status(info), _redis_status(info))
        return PipelineHealth(
            api=HEALTHY,
            aggregator=database,
            redis=redis,
            checked_at=datetime.now(UTC),
            aggregation=_aggregation(),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsAdmin],
        description="Remove this workspace's cached analytics answers whose key (after "
        "`analytics:<workspace>:`) matches the glob `pattern`, e.g. `dashboard:*`. Never "
        "touches another workspace's entries.",
    )
    async def clear_analytics_cache(self, info: Info, pattern: str = "*") -> CacheClearResult:
        if not 0 < len(pattern) <= 200:
            message = "must have 1 to 200 characters"
            raise QueryValidationError(
                message, field="pattern", details=[{"field": "pattern", "message": message}]
            )
        cache = cache_for(info.context.settings.redis_url)
        try:
            cleared = await cache.clear(info.context.workspace_id, pattern)
        except Exception:
            raise Unavailable("The cache cannot be reached; nothing was cleared") from None
        return CacheClearResult(keys_cleared=cleared, pattern=pattern)
