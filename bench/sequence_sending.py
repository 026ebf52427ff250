"""Email sequences at volume: what enrolment adds to a lead import, and one sequence run
sending a step to many due leads (sandbox email adapter), with its statements.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/sequence_sending.py [--leads 10000] [--rounds 3] [--no-write]

Creates `gateway_bench_sequences_<random>` on DATABASE_URL's server and migrates it. Per
round, side by side: a --leads-row import (the `importLeads` mutation's domain function)
into a workspace with an active tag_added sequence that every row triggers, and the same
import into a workspace with none; then the sequence's run (gateway/organic/sequences.py)
sends the first step to every enrolled lead through the sandbox adapter, which records
each email in its own transaction (a real SMTP adapter writes nothing). Statements are the
SQL statements the run issues on the gateway's engine, the sandbox's records excluded.
Writes the `sequence_sending` section of docs/benchmarks.md and drops the database.
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
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def _workspace(sessions, name: str, tag: str | None) -> tuple[str, str | None]:
    from gateway.organic.campaigns import create_sequence
    from models.base import new_id
    from models.tenancy import Workspace

    ws = new_id("ws")
    async with sessions.begin() as session:
        session.add(Workspace(id=ws, name=name, slug=ws))
    if tag is None:
        return ws, None
    async with sessions.begin() as session:
        sequence = await create_sequence(
            session,
            workspace_id=ws,
            name="Bench onboarding",
            trigger={"type": "tag_added", "value": tag},
            steps=[
                {"name": "Welcome", "delay": 0, "content": {"subject": "Welcome {{name}}"}},
                {"name": "Tips", "delay": 86_400, "content": {"subject": "Tips"}},
            ],
        )
    return ws, sequence.id


async def _import(sessions, ws: str, leads: int, tag: str) -> float:
    from gateway.organic import leads as lead_import

    records = [{"email": f"{tag}-{n}@example.test", "name": f"Reader {n}"} for n in range(leads)]
    started = time.perf_counter()
    async with sessions.begin() as session:
        result = await lead_import.import_leads(
            session,
            workspace_id=ws,
            records=records,
            mapping=lead_import.Mapping(),
            tags=[tag],
            source="bench",
            actor_id=None,
        )
    assert result.imported == leads, result
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine, session_factory
    from gateway.jobs.runtime import Runtime
    from gateway.organic import sequences
    from gateway.settings import Settings

    server_url = os.environ["DATABASE_URL"]
    async with scratch_database(server_url, "gateway_bench_sequences", None, False) as (url, _):
        settings = Settings(database_url=url, _env_file=None)
        engine = create_engine(url, pool_size=4)
        load_before = load_average()
        try:
            await prepare_database(engine, settings)
            sessions = session_factory(engine)
            for warm in ("warm", "cold"):  # statements prepared before anything is timed
                ws, _ = await _workspace(sessions, warm, warm if warm == "warm" else None)
                await _import(sessions, ws, 200, warm)
            enrolling, plain, runs, statements = [], [], [], []
            for round_ in range(args.rounds):
                tag = f"bench{round_}"
                with_sequence, sequence_id = await _workspace(sessions, "With a sequence", tag)
                without, _ = await _workspace(sessions, "Without", None)
                # Alternating which goes first, so neither always meets a warmer cache.
                if round_ % 2:
                    plain.append(await _import(sessions, without, args.leads, tag))
                    enrolling.append(await _import(sessions, with_sequence, args.leads, tag))
                else:
                    enrolling.append(await _import(sessions, with_sequence, args.leads, tag))
                    plain.append(await _import(sessions, without, args.leads, tag))
                seen: list[str] = []

                def count(conn, cursor, statement, *rest, seen=seen):
                    if "sandbox_calls" not in statement:
                        seen.append(statement)

                event.listen(engine.sync_engine, "before_cursor_execute", count)
                started = time.perf_counter()
                try:
                    outcome = await sequences.run_sequence(
                        Runtime(engine, settings), with_sequence, sequence_id or ""
                    )
                finally:
                    event.remove(engine.sync_engine, "before_cursor_execute", count)
                runs.append(time.perf_counter() - started)
                statements.append(len(seen))
                assert outcome == f"{args.leads} sent", outcome
            text = _write(args, enrolling, plain, runs, statements, load_before, load_average())
            print(text)
            if not args.no_write:
                replace_section("sequence_sending", text)
        finally:
            await engine.dispose()


def _write(args, enrolling, plain, runs, statements, before, after) -> str:
    info = machine()
    batches = -(-args.leads // 200)

    def seconds(values: list[float]) -> str:
        return ", ".join(f"{v:.2f} s" for v in values)

    issued = ", ".join(map(str, statements))
    ratio = statistics.median(enrolling) / statistics.median(plain)
    rate = args.leads / statistics.median(runs)
    rows = [
        ("import, enrolling into the sequence", enrolling),
        ("import, no sequence", plain),
        (f"one run sending step 1 to {args.leads:,} leads", runs),
    ]
    table = "\n".join(
        f"| {name} | {seconds(values)} | {statistics.median(values):.2f} s |"
        for name, values in rows
    )
    return f"""
## Email sequences (bench/sequence_sending.py)

{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {info["nproc"]} cores ({info["cpu"]}), {info["memory"]},
Python {info["python"]}; load average before {before}, after {after} (the machine is shared).

Method: a scratch database, migrated; {args.rounds} rounds, each importing {args.leads:,} new
leads (the `importLeads` domain function, one transaction) into a workspace whose active
`tag_added` sequence every row triggers and, side by side, into one without a sequence
(the order alternating by round, after a warm-up); then one run of the sequence sends its
first step to the {args.leads:,} enrolled leads through the sandbox email adapter (which
records each email in a transaction of its own).

| measure | per round | median |
|---|---|---:|
{table}

Enrolment costs the import {ratio:.2f} times its time without a sequence (one statement,
whatever the rows, and an ANALYZE when an import doubles the leads table). The run
sends {rate:,.0f} emails a second in {batches} batches of 200 and issues {issued}
statements (the sandbox's records aside): a fixed number per batch, never one per lead.
"""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs")
    asyncio.run(main(parser.parse_args()))
