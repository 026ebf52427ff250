"""A cached analytics answer never outlives the data: an upload bumps the data type's
generation in the write transaction, and the next read misses and recomputes."""

from __future__ import annotations

import pytest

from gateway.settings import Settings
from tests.rest.conftest import NOW
from tests.utils import services
from tests.utils.builders import message, user

QUERY = "{ dashboardSummary { overview { totalUsers } engagement { totalMessages } } }"


@pytest.fixture(params=["memory", "redis"])
def cache_backend(request, settings, monkeypatch):
    if request.param == "redis":
        # Skips locally without REDIS_URL; fails under CI, which must have Redis.
        monkeypatch.setattr(settings, "redis_url", services.redis_url())
    else:
        monkeypatch.setattr(settings, "redis_url", None)
    return request.param


async def test_upload_invalidates_cached_answer(cache_backend, graphql, upload, count_statements):
    await upload("users", [user(1)])
    first = await graphql(QUERY, extras={"now": NOW})
    assert first.data["dashboardSummary"]["overview"]["totalUsers"] == 1
    count_statements.count = 0
    again = await graphql(QUERY, extras={"now": NOW})
    assert again.data == first.data
    assert count_statements.count == 1  # only the generation read: the answer came from cache

    await upload("users", [user(2)])
    after = await graphql(QUERY, extras={"now": NOW})
    assert after.data["dashboardSummary"]["overview"]["totalUsers"] == 2


async def test_unrelated_uploads_keep_the_cache(
    graphql, upload, settings, monkeypatch, count_statements
):
    """Geography depends on users only: a message upload does not evict it."""
    monkeypatch.setattr(settings, "redis_url", None)
    await upload("users", [user(1)])
    await upload("creators", [{"id": "user_1", "username": "S1", "created_at": NOW.isoformat()}])
    await upload(
        "characters",
        [{"id": "char_1", "name": "P", "creator_id": "user_1", "created_at": NOW.isoformat()}],
    )
    geo = "{ geoDistribution { countries { code } } }"
    await graphql(geo, extras={"now": NOW})
    await upload("messages", [message(1, 1)])
    count_statements.count = 0
    await graphql(geo, extras={"now": NOW})
    assert count_statements.count == 1


async def test_cache_switched_off_recomputes_every_read(
    graphql, upload, settings, monkeypatch, count_statements
):
    """ANALYTICS_CACHE=false (the benchmarks' uncached mode): every read runs the SQL again
    and answers exactly what the cache would."""
    monkeypatch.setattr(settings, "redis_url", None)
    await upload("users", [user(1)])
    cached = await graphql(QUERY, extras={"now": NOW})
    monkeypatch.setattr(settings, "analytics_cache", False)
    reads = []
    for _ in range(2):
        count_statements.count = 0
        result = await graphql(QUERY, extras={"now": NOW})
        assert result.data == cached.data
        reads.append(count_statements.count)
    assert reads[0] == reads[1] > 1  # the generation read and the summary's own SQL, twice


def test_analytics_cache_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("ANALYTICS_CACHE", "false")
    assert Settings(_env_file=None).analytics_cache is False
    monkeypatch.delenv("ANALYTICS_CACHE")
    assert Settings(_env_file=None).analytics_cache is True
