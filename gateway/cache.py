"""The analytics cache: Redis when REDIS_URL is set (shared by replicas), otherwise an
in-process LRU. One small interface; values are bytes with a TTL.

Invalidation is by key, not by deletion: every key carries the workspace's generation of
each data type the value depends on (models/system.py DataGeneration, bumped by ingestion
in the write transaction). After a commit the next read sees a new generation, misses, and
recomputes, on every replica, with no post-commit hook that a crash could skip.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

DEFAULT_TTL_SECONDS = 300


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None: ...


class MemoryCache:
    def __init__(self, max_items: int = 4096) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_items

    async def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is None:
            return None
        expires, value = item
        if expires < time.monotonic():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        self._items[key] = (time.monotonic() + ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)


class RedisCache:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(url)

    async def get(self, key: str) -> bytes | None:
        return await self._client.get(key)

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        await self._client.set(key, value, ex=ttl)


_CACHES: dict[str | None, Cache] = {}


def cache_for(redis_url: str | None) -> Cache:
    """One cache per process and configuration."""
    if redis_url not in _CACHES:
        _CACHES[redis_url] = RedisCache(redis_url) if redis_url else MemoryCache()
    return _CACHES[redis_url]
