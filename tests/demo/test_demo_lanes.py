"""The demo's loading shortcuts write what the plain path writes: its lanes (the domains
outside spec 000 on a second connection, each table's indexes built as soon as its streams
are in) the same tables as one stream after another, and a batch of several generated
chunks exactly those chunks' records."""

from __future__ import annotations

from dataclasses import replace

from gateway.demo import demo_context, demo_streams
from gateway.demo.streams import Stream
from tests.demo.test_deferred_indexes import (
    _INDEXES,
    ANCHOR,
    SCALE,
    _contents,
    _load,
    _rows,
    first,  # noqa: F401 (fixtures)
    second,  # noqa: F401
)


async def test_lanes_write_what_one_stream_after_another_writes(first, second, settings):  # noqa: F811
    migrated = await _rows(first, _INDEXES)

    side_by_side = await _load(first, settings, lanes=True)
    one_by_one = await _load(second, settings, lanes=False)

    assert {s.lane for s in demo_streams(demo_context(SCALE, 7, ANCHOR))} == {0, 1}
    assert [(r.data_type, r.records, r.inserted) for r in side_by_side] == [
        (r.data_type, r.records, r.inserted) for r in one_by_one
    ]
    assert side_by_side.indexes is not None and one_by_one.indexes is not None
    assert side_by_side.indexes.records == one_by_one.indexes.records > 0
    assert await _rows(first, _INDEXES) == migrated == await _rows(second, _INDEXES)
    mine, theirs = await _contents(first), await _contents(second)
    assert mine.keys() == theirs.keys()
    assert [t for t in mine if mine[t] != theirs[t]] == []
    assert mine["messages"] and mine["interactions"] and mine["ad_performance"]


def test_a_batch_of_several_chunks_holds_exactly_their_records():
    ctx = demo_context(0.02, 7, ANCHOR)
    streams = {s.data_type: s for s in demo_streams(ctx)}
    grouped = [s for s in streams.values() if s.batch_chunks > 1]
    assert {s.data_type for s in grouped} >= {"messages", "images"}
    for stream in grouped:
        small = replace(stream, batch_size=1_000)  # several chunks per batch at this scale
        plain: Stream = replace(small, batch_chunks=1)
        assert small.chunks < plain.chunks
        batches = [r for n in range(small.chunks) for r in small.chunk(ctx, n)]
        chunks = [r for n in range(plain.chunks) for r in plain.chunk(ctx, n)]
        assert len(batches) == stream.total
        assert batches == chunks
