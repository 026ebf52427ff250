"""Reads that run at once (gateway/concurrent_reads.py, models/analytics/sql.py:together):
the same rows as a session's, statement events still seen by whoever listens, and
independent reads really running together on connections of their own."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import NoResultFound

from gateway.concurrent_reads import ConcurrentReads
from models.analytics.sql import early, one, rows, together

ROWS = """
SELECT n, 'name ' || n AS label, timestamptz '2024-03-10 12:00+00' - make_interval(days => n) AS at,
       jsonb_build_object('n', n) AS doc, n * 1.5::numeric AS amount
FROM generate_series(1, :upto) AS n WHERE n >= :low ORDER BY n
"""


def _plain(found: list[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in found]


async def test_rows_match_a_sessions_rows(sessions: Any) -> None:
    reads = ConcurrentReads(sessions)
    params = {"upto": 4, "low": 2}
    async with sessions() as session:
        expected = (await session.execute(text(ROWS), params)).all()
    found = (await reads.execute(text(ROWS), params)).all()
    assert _plain(found) == _plain(expected)
    assert [r.label for r in found] == ["name 2", "name 3", "name 4"]
    assert found[0].doc == {"n": 2}  # JSON decoded by the driver's codec, as before
    assert (await reads.execute(text("SELECT 7 AS n"))).scalar_one() == 7
    assert (await reads.execute(text(ROWS), {"upto": 1, "low": 5})).all() == []
    with pytest.raises(NoResultFound):
        (await reads.execute(text(ROWS), {"upto": 1, "low": 5})).one()
    assert await reads.scalar(text("SELECT 'x'")) == "x"


async def test_listeners_still_see_every_statement(sessions: Any, count_statements: Any) -> None:
    reads = ConcurrentReads(sessions)
    await rows(reads, ROWS, upto=3, low=1)
    await one(reads, "SELECT 1 AS n")
    assert count_statements.count == 2


async def test_independent_reads_run_together(sessions: Any) -> None:
    """The second read looks for the first one's backend while that one sleeps: it can only
    find it running if both were sent at once, on two connections."""
    reads = ConcurrentReads(sessions)
    sleeper = "SELECT pg_backend_pid() AS pid, pg_sleep(1) IS NULL AS slept"
    # The select list runs left to right: the wait first, then the look at the others.
    watcher = (
        "SELECT (SELECT pg_sleep(0.3) IS NULL) AS waited, "
        "(SELECT coalesce(array_agg(pid), '{}') FROM pg_stat_activity WHERE state = 'active' "
        "AND query LIKE 'SELECT pg_backend_pid() AS pid, pg_sleep(1)%') AS pids"
    )
    slept, watched = await together(reads, one(reads, sleeper), one(reads, watcher))
    assert slept.pid in watched.pids

    # Started early, a read runs beside the ones that follow it.
    sleeping = early(reads, one(reads, sleeper))
    watched = await one(reads, watcher)
    assert (await sleeping).pid in watched.pids


async def test_a_plain_session_reads_one_after_the_other(sessions: Any) -> None:
    async with sessions() as session:
        first, second = await together(
            session, one(session, "SELECT 1 AS n"), one(session, "SELECT 2 AS n")
        )
        later = early(session, one(session, "SELECT 3 AS n"))
        assert (first.n, second.n, (await later).n) == (1, 2, 3)


async def test_an_abandoned_early_read_leaves_no_unretrieved_error(sessions: Any) -> None:
    """A read started early whose caller failed before awaiting it: its error is consumed,
    so asyncio has nothing to report; a caller that awaits it still gets the error."""
    import asyncio
    import gc

    reads = ConcurrentReads(sessions)
    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    try:
        abandoned = early(reads, one(reads, "SELECT 1 / 0 AS n"))
        while not abandoned.done():  # type: ignore[attr-defined]
            await asyncio.sleep(0.01)
        del abandoned
        gc.collect()
        await asyncio.sleep(0)
        assert reported == []

        awaited = early(reads, one(reads, "SELECT 1 / 0 AS n"))
        with pytest.raises(Exception, match="division by zero"):
            await awaited
    finally:
        loop.set_exception_handler(previous)
