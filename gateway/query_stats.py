"""This process's counters of spec 001's query engine: how many queries it answered, how
long they took, how many the cache served, how many are being computed right now.

Per process (each replica counts its own), since it started; nothing here is persisted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class EngineStats:
    queries_processed: int = 0
    total_latency: float = 0.0  # seconds, every answered query
    cache_hits: int = 0
    cache_misses: int = 0
    active_computations: int = 0
    started_at: float = field(default_factory=time.time)

    @property
    def avg_latency(self) -> float:
        return self.total_latency / self.queries_processed if self.queries_processed else 0.0

    @property
    def cache_hit_rate(self) -> float:
        looked_up = self.cache_hits + self.cache_misses
        return self.cache_hits / looked_up if looked_up else 0.0

    def record(self, latency: float, *, cache_hit: bool | None) -> None:
        """One answered query; `cache_hit` None when the cache was switched off."""
        self.queries_processed += 1
        self.total_latency += latency
        if cache_hit is True:
            self.cache_hits += 1
        elif cache_hit is False:
            self.cache_misses += 1

    @contextmanager
    def computing(self) -> Iterator[None]:
        self.active_computations += 1
        try:
            yield
        finally:
            self.active_computations -= 1


ENGINE = EngineStats()
PROCESS_STARTED = time.time()
