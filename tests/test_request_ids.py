"""Request ids: unique within a process and across processes, forked ones included."""

import os
import re

from gateway.request_id import _next_id


def test_ids_are_unique_and_readable():
    ids = [_next_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"req_[0-9a-f]{13,}", i) for i in ids)


def test_a_forked_process_names_its_requests_apart():
    mine = _next_id()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next id, then gone without running pytest's teardown
        os.write(write_end, _next_id().encode())
        os._exit(0)
    os.close(write_end)
    theirs = os.read(read_end, 100).decode()
    os.waitpid(child, 0)
    os.close(read_end)
    assert theirs[4:16] != mine[4:16]  # another process prefix
