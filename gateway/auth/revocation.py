"""Revoked access tokens (by jti) until they expire: Redis when configured, so every
replica sees a logout at once; in-process otherwise (a single process)."""

from __future__ import annotations

import time
from typing import Protocol


class Revocations(Protocol):
    async def revoke(self, jti: str, ttl_seconds: int) -> None: ...
    async def is_revoked(self, jti: str) -> bool: ...


class MemoryRevocations:
    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    async def revoke(self, jti: str, ttl_seconds: int) -> None:
        now = time.monotonic()
        self._until = {k: v for k, v in self._until.items() if v > now}  # forget expired
        self._until[jti] = now + max(ttl_seconds, 1)

    async def is_revoked(self, jti: str) -> bool:
        return self._until.get(jti, 0) > time.monotonic()


class RedisRevocations:
    def __init__(self, redis: object) -> None:
        self._redis = redis

    async def revoke(self, jti: str, ttl_seconds: int) -> None:
        await self._redis.set(f"revoked:{jti}", "1", ex=max(ttl_seconds, 1))  # type: ignore[attr-defined]

    async def is_revoked(self, jti: str) -> bool:
        return bool(await self._redis.exists(f"revoked:{jti}"))  # type: ignore[attr-defined]
