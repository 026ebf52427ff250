"""The analytics cache: Redis when REDIS_URL is set (shared by replicas), otherwise an
in-process LRU. One small interface; values are bytes with a TTL.

Invalidation is by key, not by deletion: every key carries the workspace's generation of
each data type the value depends on (models/system.py DataGeneration, bumped by ingestion
in the write transaction). After a commit the next read sees a new generation, misses, and
recomputes, on every replica, with no post-commit hook that a crash could skip.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Protocol

DEFAULT_TTL_SECONDS = 300
log = logging.getLogger(__name__)


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
    """A cache that fails open: if Redis cannot answer, it is a miss (logged and counted),
    never an error for the caller."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.failures = 0

    async def get(self, key: str) -> bytes | None:
        try:
            return await self._client.get(key)
        except Exception:
            self._failed()
            return None

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        try:
            await self._client.set(key, value, ex=ttl)
        except Exception:
            self._failed()

    def _failed(self) -> None:
        self.failures += 1
        log.warning("analytics cache unavailable; computing without it", exc_info=True)


_CACHES: dict[str | None, Cache] = {}


def cache_for(redis_url: str | None) -> Cache:
    """One cache per process and configuration."""
    if redis_url not in _CACHES:
        _CACHES[redis_url] = RedisCache(redis_url) if redis_url else MemoryCache()
    return _CACHES[redis_url]
