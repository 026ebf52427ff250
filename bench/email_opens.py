"""Email opens and step conditions at volume: what evaluating an `email_opened` condition
adds to claiming a sequence's due step, and what recording an open costs.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/email_opens.py [--leads 10000] [--rounds 5] [--no-write]

Creates `gateway_bench_opens_<random>` on DATABASE_URL's server and migrates it. One
workspace, --leads leads enrolled in two sequences alike, their step 1 sent and opened by
every lead; step 2 is due, with an `email_opened` condition on step 1 in one sequence and
none in the other, so both claims answer the same messages (checked first). Per round,
side by side (the order alternating): every due enrolment of a sequence claimed in batches
(gateway/organic/sequences.py `claim`, as a run does), inside a transaction rolled back
after (the tables vacuumed before each), so each round claims the same. Then the open pixel's work
(gateway/organic/opens.py `record_open`, one transaction each, as the route runs it): the
first open of each of 2,000 messages, and a repeated load of each. Writes the
`email_opens` section of docs/benchmarks.md and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from load_and_query import load_average, machine
from route_bench import scratch_database
from sections import replace_section
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OPENS = 2_000

# Step 1 sent and opened by every enrolled lead, step 2 due now (what a run and the
# leads' mail clients would have left a day later).
_STEP_ONE_DONE = """
WITH steps AS (
  SELECT sequence_id, min(id) FILTER (WHERE position = 1) AS first,
         min(id) FILTER (WHERE position = 2) AS second
  FROM sequence_steps WHERE workspace_id = :ws GROUP BY 1
), sent AS (
  INSERT INTO email_messages (workspace_id, id, step_id, lead_id, email, status, attempts,
                              created_at, sent_at, opened_at)
  SELECT e.workspace_id, 'msg_' || md5(e.sequence_id || e.lead_id), s.first, e.lead_id,
         l.email, 'sent', 1, now(), now(), now()
  FROM sequence_enrollments e JOIN steps s ON s.sequence_id = e.sequence_id
  JOIN leads l ON l.workspace_id = e.workspace_id AND l.id = e.lead_id
  WHERE e.workspace_id = :ws
)
UPDATE sequence_enrollments e SET next_step_id = s.second, due_at = now() - interval '1 s'
FROM steps s WHERE e.workspace_id = :ws AND e.sequence_id = s.sequence_id
"""


async def _setup(sessions, leads: int) -> tuple[str, str, str]:
    from gateway.organic import leads as lead_import
    from gateway.organic.campaigns import create_sequence
    from models.base import new_id
    from models.tenancy import Workspace

    ws = new_id("ws")
    async with sessions.begin() as session:
        session.add(Workspace(id=ws, name="Opens", slug=ws))
    ids = []
    for name, condition in (
        ("conditional", {"type": "email_opened", "stepId": "step_1"}),
        ("plain", None),
    ):
        second = {"name": "Tips", "delay": 86_400, "content": {"subject": "Tips"}}
        async with sessions.begin() as session:
            sequence = await create_sequence(
                session,
                workspace_id=ws,
                name=name,
                trigger={"type": "tag_added", "value": "bench"},
                steps=[
                    {"name": "Welcome", "delay": 0, "content": {"subject": "Welcome"}},
                    {**second, "condition": condition} if condition else second,
                ],
            )
        ids.append(sequence.id)
    records = [{"email": f"r{n}@example.test", "name": f"Reader {n}"} for n in range(leads)]
    async with sessions.begin() as session:
        await lead_import.import_leads(
            session,
            workspace_id=ws,
            records=records,
            mapping=lead_import.Mapping(),
            tags=["bench"],
            source="bench",
            actor_id=None,
        )
    async with sessions.begin() as session:
        await session.execute(text(_STEP_ONE_DONE), {"ws": ws})
        await session.execute(text("ANALYZE email_messages"))
        await session.execute(text("ANALYZE sequence_enrollments"))
    return ws, ids[0], ids[1]


async def _claim_all(sessions, ws: str, sequence_id: str) -> tuple[float, int, int, int]:
    """Seconds to claim every due enrolment (rolled back after), how many moved on, the
    messages to send, and the batches."""
    from gateway.organic import sequences

    moved = sent = batches = 0
    async with sessions() as session:
        await session.begin()
        started = time.perf_counter()
        while True:
            n, batch = await sequences.claim(session, ws, sequence_id)
            if not n:
                break
            moved, sent, batches = moved + n, sent + len(batch), batches + 1
        elapsed = time.perf_counter() - started
        await session.rollback()
    return elapsed, moved, sent, batches


async def _opens(sessions, settings, ws: str) -> tuple[list[float], list[float]]:
    from gateway.organic import opens

    async with sessions() as session:
        ids = list(
            await session.scalars(
                text("SELECT id FROM email_messages WHERE workspace_id = :ws ORDER BY id LIMIT :n"),
                {"ws": ws, "n": OPENS},
            )
        )
    async with sessions.begin() as session:  # as sent, not yet opened
        await session.execute(
            text(
                "UPDATE email_messages SET opened_at = NULL "
                "WHERE workspace_id = :ws AND id = ANY(:ids)"
            ),
            {"ws": ws, "ids": ids},
        )
    tokens = [opens.token(settings, ws, i) for i in ids]
    timings: dict[bool, list[float]] = {True: [], False: []}
    for expected in (True, False):  # each message's first open, then a repeated load
        for value in tokens:
            started = time.perf_counter()
            async with sessions.begin() as session:
                recorded = await opens.record_open(session, settings, value)
            timings[expected].append(time.perf_counter() - started)
            assert recorded is expected
    return timings[True], timings[False]


async def main(args: argparse.Namespace) -> None:
    import asyncpg

    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine, plain_url, session_factory
    from gateway.settings import Settings

    server_url = os.environ["DATABASE_URL"]
    async with scratch_database(server_url, "gateway_bench_opens", None, False) as (url, _):
        settings = Settings(database_url=url, _env_file=None)
        engine = create_engine(url, pool_size=4)
        load_before = load_average()
        try:
            await prepare_database(engine, settings)
            sessions = session_factory(engine)
            ws, conditional, plain = await _setup(sessions, args.leads)
            # Same answers first: every lead opened step 1, so both send step 2 to all.
            first = await _claim_all(sessions, ws, conditional)
            second = await _claim_all(sessions, ws, plain)
            assert first[1:] == second[1:] == (args.leads, args.leads, first[3]), (first, second)
            timed: dict[str, list[float]] = {"conditional": [], "plain": []}
            vacuum = await asyncpg.connect(plain_url(url))
            for round_ in range(args.rounds):
                order = [("conditional", conditional), ("plain", plain)]
                for label, sequence_id in order if round_ % 2 == 0 else order[::-1]:
                    # The rolled-back claims leave dead rows in the due index: cleared each
                    # time, so no claim pays for the ones before it.
                    await vacuum.execute("VACUUM ANALYZE sequence_enrollments, email_messages")
                    timed[label].append((await _claim_all(sessions, ws, sequence_id))[0])
            await vacuum.close()
            firsts, repeats = await _opens(sessions, settings, ws)
            text_ = _write(args, timed, first[3], firsts, repeats, load_before, load_average())
            print(text_)
            if not args.no_write:
                replace_section("email_opens", text_)
        finally:
            await engine.dispose()


def _ms(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] * 1000 if len(values) > 1 else values[0]


def _write(args, timed, batches, firsts, repeats, before, after) -> str:
    info = machine()

    def seconds(values: list[float]) -> str:
        return ", ".join(f"{v * 1000:.0f}" for v in values)

    ratio = statistics.median(timed["conditional"]) / statistics.median(timed["plain"])
    rows = "\n".join(
        f"| step 2 {'with' if label == 'conditional' else 'without'} an `email_opened` "
        f"condition | {seconds(values)} | {statistics.median(values) * 1000:.0f} ms |"
        for label, values in timed.items()
    )
    return f"""
## Email opens and step conditions (bench/email_opens.py)

{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {info["nproc"]} cores ({info["cpu"]}), {info["memory"]},
Python {info["python"]}; load average before {before}, after {after} (the machine is shared).

Method: a scratch database, migrated; {args.leads:,} leads enrolled in two sequences whose
step 1 every lead was sent and opened; step 2 due, with an `email_opened` condition on
step 1 in one and none in the other, so both claims answer the same {args.leads:,}
messages (checked before timing). {args.rounds} rounds, side by side, the order alternating:
every due enrolment claimed as a run does ({batches} batches of 200, one statement each),
in a transaction rolled back after (and the tables vacuumed before each claim).

| claiming every due enrolment | per round (ms) | median |
|---|---|---:|
{rows}

The condition costs the claim {ratio:.2f} times its time without one (an index lookup of
the named step's message per due lead, inside the same statement).

Recording an open (`record_open`, its own transaction, as the pixel route runs it),
{OPENS:,} messages: a first open p50 {_ms(firsts, 50):.2f} ms, p95 {_ms(firsts, 95):.2f} ms
(the message, the lead, the step: one statement); a repeated load p50
{_ms(repeats, 50):.2f} ms, p95 {_ms(repeats, 95):.2f} ms (it finds the message opened and
writes nothing).
"""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs")
    asyncio.run(main(parser.parse_args()))
