"""The query engine's cache and counters: clearing one workspace's answers never touches
another's (in Redis, checked with SCAN on the server itself, and in-process), whatever the
pattern; only admins may clear; the counters count what really happened."""

from __future__ import annotations

import pytest
import redis.asyncio as redis

from gateway.cache import cache_for, workspace_prefix
from gateway.principal import ROLE_SCOPES, Principal
from models.base import new_id
from models.tenancy import Workspace
from tests.utils import ads_builders, services

QUERY = """query($source: String!) {
  adQuery(metrics: [{name: "total_spend", dataType: $source, dimensions: ["campaign_name"]}],
          timeRange: {start: "2024-09-29T00:00:00Z", end: "2024-09-29T23:59:59Z"}) {
    cacheHit series { points }
  }
}"""
CLEAR = "mutation($p: String!) { clearAnalyticsCache(pattern: $p) { keysCleared pattern } }"
# Patterns a tenant might try to reach past its own prefix with.
HOSTILE = ["*", "**", "*ws_*", "[a-z]*", "\\*", "*:*:*", "../*", "analytics:*", "?*"]


@pytest.fixture(params=["memory", "redis"])
def backend(request, settings, monkeypatch):  # type: ignore[no-untyped-def]
    if request.param == "redis":
        monkeypatch.setattr(settings, "redis_url", services.redis_url())
    else:
        monkeypatch.setattr(settings, "redis_url", None)
    return request.param


@pytest.fixture
async def two_workspaces(sessions, upload, workspace):  # type: ignore[no-untyped-def]
    other = new_id("ws")
    async with sessions() as session, session.begin():
        session.add(Workspace(id=other, name="Other workspace", slug=other))
    await ads_builders.load(upload)
    await upload("meta_ads", ads_builders.META, workspace_id=other)
    return workspace, other


async def _hit(graphql, workspace_id, source="meta_ads"):  # type: ignore[no-untyped-def]
    result = await graphql(QUERY, {"source": source}, workspace_id=workspace_id)
    assert result.errors is None, result.errors
    return result.data["adQuery"]["cacheHit"]


@pytest.mark.counts_side_effects
async def test_clearing_one_workspace_never_reaches_another(
    backend, settings, graphql, two_workspaces
):
    mine, theirs = two_workspaces
    for ws in (mine, theirs):
        assert await _hit(graphql, ws) is False
        assert await _hit(graphql, ws, "google_ads") is False
        assert await _hit(graphql, ws) is True
    for pattern in HOSTILE:
        await graphql(CLEAR, {"p": pattern}, workspace_id=mine)
    assert await _hit(graphql, theirs) is True  # untouched by every pattern above
    assert await _hit(graphql, theirs, "google_ads") is True
    if backend == "redis":
        server = redis.from_url(settings.redis_url)
        try:
            theirs_keys = [k async for k in server.scan_iter(match=workspace_prefix(theirs) + "*")]
        finally:
            await server.aclose()
        assert len(theirs_keys) == 2
    result = await graphql(CLEAR, {"p": "*"}, workspace_id=mine)
    assert result.errors is None, result.errors
    assert await _hit(graphql, mine) is False
    assert await _hit(graphql, theirs) is True


@pytest.mark.counts_side_effects
async def test_a_pattern_clears_only_what_it_names(backend, graphql, two_workspaces):
    mine, _ = two_workspaces
    await _hit(graphql, mine)
    cleared = await graphql(CLEAR, {"p": "summary:*"}, workspace_id=mine)
    assert cleared.data["clearAnalyticsCache"] == {"keysCleared": 0, "pattern": "summary:*"}
    assert await _hit(graphql, mine) is True
    cleared = await graphql(CLEAR, {"p": "dashboard:*"}, workspace_id=mine)
    assert cleared.data["clearAnalyticsCache"]["keysCleared"] == 1
    assert await _hit(graphql, mine) is False


@pytest.mark.parametrize("role", ["member", "viewer"])
async def test_only_admins_clear(graphql, workspace, role):
    principal = Principal(workspace_id=workspace, subject="t", role=role, scopes=ROLE_SCOPES[role])
    result = await graphql(CLEAR, {"p": "*"}, principal=principal)
    assert result.errors[0].extensions == {"code": "FORBIDDEN"}
    key = Principal(
        workspace_id=workspace,
        subject="k",
        kind="api_key",
        role="admin",
        scopes=ROLE_SCOPES["admin"],
    )
    assert (await graphql(CLEAR, {"p": "*"}, principal=key)).errors is not None


@pytest.mark.counts_side_effects
async def test_counters_follow_the_cache_that_served(backend, settings, graphql, two_workspaces):
    mine, _ = two_workspaces
    counters = cache_for(settings.redis_url).counters
    stats = "{ adEngineStats { aggregation { queriesProcessed } cache { hits misses sets } } }"
    before = (await graphql(stats)).data["adEngineStats"]
    await _hit(graphql, mine)
    await _hit(graphql, mine)
    after = (await graphql(stats)).data["adEngineStats"]
    assert after["aggregation"]["queriesProcessed"] == before["aggregation"]["queriesProcessed"] + 2
    assert after["cache"] == {
        "hits": counters.hits,
        "misses": counters.misses,
        "sets": counters.sets,
    }
    assert after["cache"]["hits"] == before["cache"]["hits"] + 1
    assert after["cache"]["sets"] == before["cache"]["sets"] + 1
    redis_info = await graphql("{ adEngineStats { redis { connectedClients usedMemoryHuman } } }")
    if backend == "redis":
        assert redis_info.data["adEngineStats"]["redis"]["connectedClients"] >= 1
    else:
        assert redis_info.data["adEngineStats"]["redis"] is None


async def test_health_checks_redis_when_configured(backend, graphql):
    result = await graphql("{ pipelineHealth { api aggregator redis } }")
    expected = "healthy" if backend == "redis" else "not_configured"
    assert result.data["pipelineHealth"] == {
        "api": "healthy",
        "aggregator": "healthy",
        "redis": expected,
    }


async def test_health_says_unhealthy_when_redis_does_not_answer(settings, graphql, monkeypatch):
    monkeypatch.setattr(settings, "redis_url", "redis://127.0.0.1:9/0")  # nothing listens
    result = await graphql("{ pipelineHealth { redis aggregator } }")
    assert result.data["pipelineHealth"] == {"redis": "unhealthy", "aggregator": "healthy"}
