"""Prefixed ids: the specs' format, and every character of the alphabet in every position."""

import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from models.base import new_id


def test_ids_have_the_specs_format_and_do_not_repeat():
    ids = [new_id("char") for _ in range(5000)]
    assert all(re.fullmatch(r"char_[0-9a-z]{16}", i) for i in ids)
    assert len(set(ids)) == len(ids)


def test_every_position_draws_from_the_whole_alphabet():
    # 20,000 draws leave a given character unseen in a position with odds of about 1e-243
    ids = [new_id("x")[2:] for _ in range(20000)]
    for position in range(16):
        assert len({i[position] for i in ids}) == 36


def test_each_character_is_about_as_likely_as_any_other():
    # 320,000 characters: each of 36 expected 8,889 times; a byte-modulo bias of 256 % 36
    # would give the first four 14% more
    counts = Counter("".join(new_id("x")[2:] for _ in range(20000)))
    expected = 20000 * 16 / 36
    assert all(abs(count - expected) < 0.05 * expected for count in counts.values())


def test_threads_and_a_forked_child_never_draw_the_same_ids():
    new_id("warm")  # the parent's block of random bytes is now partly used
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child writes its ids and leaves at once
        os.write(writer, " ".join(new_id("x") for _ in range(50)).encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    with os.fdopen(reader) as pipe:
        in_child = set(pipe.read().split())
    in_parent = {new_id("x") for _ in range(50)}
    with ThreadPoolExecutor(4) as pool:
        in_threads = set(pool.map(lambda _: new_id("x"), range(2000)))
    assert len(in_child) == 50
    assert not in_child & in_parent
    assert not in_threads & (in_child | in_parent)
    assert len(in_threads) == 2000
