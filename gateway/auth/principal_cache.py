"""Resolved principals, cached briefly in each process.

A credential (access token or API key) is resolved against PostgreSQL (the account and its
membership and role, the key not revoked, the token and its login not revoked) at most once
every `ttl` seconds per replica; in between, requests carrying it need no SQL at all.

Staying correct: a revocation made through the gateway (sign-out, refresh-token replay, a
revoked API key) drops the cached entries at once on this replica and, announced through the
broker (subscriptions/broker.py: in process, or Redis pub/sub), on every other. A change made
outside the gateway (a member deleted or demoted in SQL), or an announcement a replica missed
while Redis was away, takes effect when the entry expires. So a revoked, deleted or demoted
principal keeps working for at most `ttl` seconds (PRINCIPAL_CACHE_SECONDS, default 5).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from cachetools import TTLCache

log = logging.getLogger(__name__)

ANNOUNCEMENT = "principal-cache:drop"


class PrincipalCache:
    def __init__(self, ttl: float, maxsize: int = 10_000) -> None:
        self.ttl = ttl
        # cachetools' TTLCache: expiry by monotonic time, least recently used evicted first.
        self._entries: TTLCache[Any, tuple[Any, frozenset[str]]] | None = (
            TTLCache(maxsize=maxsize, ttl=ttl) if ttl > 0 else None
        )
        self._broker: Any = None

    def get(self, key: Any) -> Any | None:
        if self._entries is None:
            return None
        found = self._entries.get(key)
        return found[0] if found is not None else None

    def put(self, key: Any, value: Any, tags: Iterable[str]) -> None:
        if self._entries is not None:
            self._entries[key] = (value, frozenset(tags))

    def drop(self, tags: Iterable[str]) -> int:
        """Forget, on this replica, every entry carrying one of `tags`."""
        if self._entries is None:
            return 0
        wanted = set(tags)
        stale = [key for key, (_, have) in list(self._entries.items()) if have & wanted]
        for key in stale:
            self._entries.pop(key, None)
        return len(stale)

    async def invalidate(self, *tags: str) -> None:
        """Forget `tags` here and tell every replica to forget them too. Call it after the
        change is committed (a replica that reloads must find it)."""
        self.drop(tags)
        if self._broker is None:
            return
        try:
            await self._broker.announce(ANNOUNCEMENT, list(tags))
        except Exception:  # other replicas still expire the entries within `ttl`
            log.warning("could not announce a principal revocation to other replicas")

    def attach(self, broker: Any) -> None:
        """Listen for other replicas' revocations and announce ours (app lifespan)."""
        broker.listen(ANNOUNCEMENT, self.drop)
        self._broker = broker

    def detach(self) -> None:
        self._broker = None


def account_tag(account_id: str) -> str:
    return f"account:{account_id}"


def workspace_tag(workspace_id: str) -> str:
    return f"workspace:{workspace_id}"


def key_tag(key_id: str) -> str:
    return f"key:{key_id}"


def token_tag(token_id: str) -> str:
    """An access token's jti or a login's refresh family id."""
    return f"token:{token_id}"
