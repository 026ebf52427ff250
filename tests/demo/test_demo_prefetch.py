"""A lane's chunks are prepared ahead across its streams: the next stream's first chunk is
already being prepared while the stream before it writes its last one, and every chunk is
handed over in the lane's order, prepared from its stream's records."""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.demo import demo_context
from gateway.demo.loader import _Ahead, _prepare_here
from gateway.demo.streams import DemoContext, Stream

ANCHOR = datetime(2025, 3, 1, tzinfo=UTC)


def _visits(rng: Any, start: int, stop: int) -> list[dict[str, Any]]:
    return [
        {"visitor_id": f"anon_{i}", "source": "tiktok", "created_at": ANCHOR}
        for i in range(start, stop)
    ]


class _RecordingPool:
    """Prepares at once, here, and records the order chunks were asked for."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def submit(self, stream: Stream, ctx: DemoContext, n: int, workspace_id: str) -> Future[Any]:
        self.asked.append((stream.data_type, n))
        future: Future[Any] = Future()
        future.set_result(_prepare_here(stream, ctx, n, workspace_id))
        return future


async def test_the_next_streams_first_chunk_is_prepared_before_the_last_is_written():
    ctx = demo_context(0.01, 7, ANCHOR)
    first = Stream("visits", 5, _visits, batch_size=2)  # chunks 0, 1, 2
    second = Stream("visits", 3, _visits, batch_size=3)  # chunk 0
    pool = _RecordingPool()
    ahead = _Ahead(pool, ctx, "ws_default", [(first, [0, 1, 2]), (second, [0])])  # type: ignore[arg-type]

    taken = [await ahead.take(first, 0), await ahead.take(first, 1)]
    # writing the first stream's last chunk: the second stream's first is already asked for
    assert pool.asked == [("visits", 0), ("visits", 1), ("visits", 2), ("visits", 0)]
    taken += [await ahead.take(first, 2), await ahead.take(second, 0)]
    assert [b.records_received for b in taken] == [2, 2, 1, 3]
    assert taken[3].fingerprint == _prepare_here(second, ctx, 0, "ws_default")[0]


async def test_chunks_are_taken_in_the_lanes_order():
    ctx = demo_context(0.01, 7, ANCHOR)
    stream = Stream("visits", 4, _visits, batch_size=2)
    ahead = _Ahead(_RecordingPool(), ctx, "ws_default", [(stream, [0, 1])])  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="out of order"):
        await ahead.take(stream, 1)
