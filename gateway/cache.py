"""The analytics cache: Redis when REDIS_URL is set (shared by replicas), otherwise an
in-process LRU. One small interface; values are bytes with a TTL.

Invalidation is by key, not by deletion: every key carries the workspace's generation of
each data type the value depends on (models/system.py DataGeneration, bumped by ingestion
in the write transaction). After a commit the next read sees a new generation, misses, and
recomputes, on every replica, with no post-commit hook that a crash could skip.

Keys are `analytics:<workspace>:<name>:...` (see `workspace_prefix`); `clear` removes one
workspace's keys matching a glob below that prefix, so no pattern reaches another tenant.
Each cache counts its own hits, misses and sets (spec 001's /v1/stats/performance).
"""

from __future__ import annotations

import fnmatch
import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_TTL_SECONDS = 300
PREFIX = "analytics"
log = logging.getLogger(__name__)


@dataclass
class CacheCounters:
    hits: int = 0
    misses: int = 0
    sets: int = 0

    @property
    def hit_rate(self) -> float:
        looked_up = self.hits + self.misses
        return self.hits / looked_up if looked_up else 0.0


def workspace_prefix(workspace_id: str) -> str:
    return f"{PREFIX}:{workspace_id}:"


_GLOB_SPECIALS = re.compile(r"([*?\[\]\\])")


def _literal(text: str) -> str:
    """`text` as a glob matching only itself (Redis MATCH and fnmatch alike)."""
    return _GLOB_SPECIALS.sub(r"[\1]", text)


class Cache(Protocol):
    counters: CacheCounters

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None: ...

    async def clear(self, workspace_id: str, pattern: str) -> int: ...

    def local_size(self) -> int: ...


class MemoryCache:
    def __init__(self, max_items: int = 4096) -> None:
        self._items: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max = max_items
        self.counters = CacheCounters()

    async def get(self, key: str) -> bytes | None:
        item = self._items.get(key)
        if item is not None and item[0] < time.monotonic():
            del self._items[key]
            item = None
        if item is None:
            self.counters.misses += 1
            return None
        self._items.move_to_end(key)
        self.counters.hits += 1
        return item[1]

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        self._items[key] = (time.monotonic() + ttl, value)
        self._items.move_to_end(key)
        self.counters.sets += 1
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def clear(self, workspace_id: str, pattern: str) -> int:
        glob = _literal(workspace_prefix(workspace_id)) + pattern
        doomed = [k for k in self._items if fnmatch.fnmatchcase(k, glob)]
        for key in doomed:
            del self._items[key]
        return len(doomed)

    def local_size(self) -> int:
        return len(self._items)


class RedisCache:
    """A cache that fails open: if Redis cannot answer, it is a miss (logged and counted),
    never an error for the caller."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self.failures = 0
        self.counters = CacheCounters()

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._client.get(key)
        except Exception:
            self._failed()
            value = None
        if value is None:
            self.counters.misses += 1
        else:
            self.counters.hits += 1
        return value

    async def set(self, key: str, value: bytes, ttl: int = DEFAULT_TTL_SECONDS) -> None:
        try:
            await self._client.set(key, value, ex=ttl)
            self.counters.sets += 1
        except Exception:
            self._failed()

    async def clear(self, workspace_id: str, pattern: str) -> int:
        """SCAN (never KEYS, which blocks Redis) for the workspace's keys, deleting as it goes."""
        glob = _literal(workspace_prefix(workspace_id)) + pattern
        removed = 0
        batch: list[bytes] = []
        async for key in self._client.scan_iter(match=glob, count=500):
            batch.append(key)
            if len(batch) >= 500:
                removed += await self._client.unlink(*batch)
                batch = []
        if batch:
            removed += await self._client.unlink(*batch)
        return removed

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except Exception:
            return False

    async def info(self) -> dict[str, Any]:
        return await self._client.info()

    def local_size(self) -> int:
        return 0  # nothing is kept in the process

    def _failed(self) -> None:
        self.failures += 1
        log.warning("analytics cache unavailable; computing without it", exc_info=True)


_CACHES: dict[str | None, Cache] = {}


def cache_for(redis_url: str | None) -> Cache:
    """One cache per process and configuration."""
    if redis_url not in _CACHES:
        _CACHES[redis_url] = RedisCache(redis_url) if redis_url else MemoryCache()
    return _CACHES[redis_url]
