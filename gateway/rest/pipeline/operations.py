"""GET /v1/health, GET /v1/stats/performance and DELETE /v1/cache/clear: the query
engine's own state (resolvers/ads_engine.py)."""

from __future__ import annotations

from gateway.rest.envelopes import Pipeline
from gateway.rest.pipeline import shapes
from gateway.rest.pipeline.params import CacheClearParams
from gateway.rest.routing import RestRoute

_STATS = (
    "aggregation { queriesProcessed avgLatency cacheHitRate } cache { hits misses sets "
    "hitRate localCacheSize } memory { percent availableGb } activeComputations redis { "
    "connectedClients usedMemoryHuman keyspaceHits keyspaceMisses hitRate } uptimeSeconds "
    "version"
)

ROUTES = [
    RestRoute(
        method="GET",
        path="/v1/health",
        summary="The API, its database (the aggregator's) and Redis, checked now",
        tag="Operations",
        envelope=Pipeline,
        scopes=("read:analytics",),
        operation="{ pipelineHealth { api aggregator redis checkedAt aggregation { "
        "queriesProcessed avgLatency cacheHitRate } } }",
        respond=shapes.health,
    ),
    RestRoute(
        method="GET",
        path="/v1/stats/performance",
        summary="This process's query-engine counters, cache, memory and Redis INFO",
        tag="Operations",
        envelope=Pipeline,
        scopes=("read:analytics",),
        operation="{ adEngineStats { " + _STATS + " } }",
        respond=shapes.performance,
    ),
    RestRoute(
        method="DELETE",
        path="/v1/cache/clear",
        summary="Clear this workspace's cached answers matching a pattern (admins only)",
        tag="Operations",
        envelope=Pipeline,
        scopes=("read:analytics",),
        params=CacheClearParams,
        operation="mutation($pattern: String!) { clearAnalyticsCache(pattern: $pattern) { "
        "keysCleared pattern } }",
        variables=lambda call: {"pattern": call.params.pattern},
        respond=shapes.cache_cleared,
    ),
]
