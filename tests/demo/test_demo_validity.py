"""The demo's records are built valid: they skip per-record validation when loaded, so a
sample of every stream is validated here, and both conversions must give the same rows."""

from __future__ import annotations

import pytest

from gateway.demo import demo_context, demo_streams
from gateway.ingestion import prepare, prepare_trusted

CTX = demo_context(0.02, 7)
STREAMS = list(demo_streams(CTX))
SAMPLE = 300


BUILT_VALID = [s for s in STREAMS if s.built_valid]


def test_nearly_every_record_is_built_valid():
    built = sum(s.total for s in BUILT_VALID)
    assert built / sum(s.total for s in STREAMS) > 0.8  # 96% at scale 1


@pytest.mark.parametrize("stream", STREAMS, ids=[s.data_type for s in STREAMS])
def test_every_stream_validates(stream):
    records = stream.chunk(CTX, 0)[:SAMPLE] if stream.total else []
    batch = prepare(workspace_id="ws_check", data_type=stream.data_type, records=records)
    assert batch.records_received == len(records)


@pytest.mark.parametrize("stream", BUILT_VALID, ids=[s.data_type for s in BUILT_VALID])
def test_built_valid_streams_convert_to_the_rows_validation_gives(stream):
    records = stream.chunk(CTX, 0)[:SAMPLE]
    checked = prepare(workspace_id="ws_check", data_type=stream.data_type, records=records)
    trusted = prepare_trusted(workspace_id="ws_check", data_type=stream.data_type, records=records)
    assert trusted.columns == checked.columns
    assert trusted.fingerprint == checked.fingerprint
    generated = {
        i for i, c in enumerate(checked.columns) if c == "id" and checked.spec.id_prefix
    } if any("id" not in r for r in records) else set()  # fmt: skip
    assert [tuple(v for i, v in enumerate(r) if i not in generated) for r in trusted.rows] == [
        tuple(v for i, v in enumerate(r) if i not in generated) for r in checked.rows
    ]
