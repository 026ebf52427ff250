"""What a demo domain hands the loader: streams of records, generated lazily in chunks.

A domain is a function `streams(ctx) -> list[Stream]`, listed in gateway/demo/domains.py.
Each chunk draws from its own random.Random seeded by (seed, data type, chunk start), so a
chunk can be regenerated, or skipped when already loaded, without generating the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.demo.calendar import Calendar

BATCH_SIZE = 50_000

Records = list[dict[str, Any]]


@dataclass(frozen=True)
class DemoContext:
    scale: float
    seed: int
    anchor: datetime
    calendar: Calendar

    def count(self, base: float) -> int:
        """The scale formula: spec 000's figure times the scale, at least one."""
        return max(1, round(base * self.scale))

    def rng(self, *parts: object) -> random.Random:
        # str seeds are hashed with SHA-512 by random.Random: stable across processes.
        return random.Random(":".join(map(str, (self.seed, *parts))))


@dataclass(frozen=True)
class Stream:
    data_type: str
    total: int
    # make(rng, start, stop) -> the records with indices [start, stop), in order.
    make: Callable[[random.Random, int, int], Records]
    batch_size: int = BATCH_SIZE
    # Records built in their final types (datetimes, Decimals, ...): loaded without
    # per-record validation (tests/demo/test_demo_validity.py validates a sample of each).
    built_valid: bool = False
    # Streams of different lanes write disjoint tables: the loader may write them on
    # separate connections at once (each lane in its own order).
    lane: int = 0

    # Generated chunks per batch loaded: a batch of k chunks holds exactly the records of
    # those k chunks (each still drawn from its own random.Random), so the records are the
    # same whatever k; a larger batch pays the per-batch rollup work fewer times.
    batch_chunks: int = 1

    @property
    def chunks(self) -> int:
        """How many batches the stream loads as."""
        return -(-self.total // (self.batch_size * self.batch_chunks))

    def chunk(self, ctx: DemoContext, n: int) -> Records:
        """Batch `n`: its generated chunks' records, in order."""
        records: Records = []
        for part in range(n * self.batch_chunks, (n + 1) * self.batch_chunks):
            start = part * self.batch_size
            if start >= self.total:
                break
            stop = min(self.total, start + self.batch_size)
            records += self.make(ctx.rng(self.data_type, start), start, stop)
        return records


def listed(data_type: str, items: list[Any], build: Callable[[Any], dict[str, Any]]) -> Stream:
    """A stream over records planned up front (entities, small event sets)."""
    return Stream(data_type, len(items), lambda _rng, a, b: [build(x) for x in items[a:b]])
