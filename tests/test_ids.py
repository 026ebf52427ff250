"""Prefixed ids: the specs' format, and every character of the alphabet in every position."""

import re

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
