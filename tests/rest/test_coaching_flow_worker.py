"""A program walked to completion by real worker processes, one of them killed (SIGKILL)
while it is inside a step: the step it was running rolls back, a new worker's stalled-job
recovery runs it again, and in the end every node ran once and every message of the flow
was delivered once through the user's channel (the web widget, which then shows them)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from models import coaching as m
from tests.utils.organic_jobs import events

ROOT = Path(__file__).resolve().parents[2]
USER = "55555555-5555-4555-8555-555555555555"


def _flow() -> dict[str, Any]:
    def say(node: str, message: str, hours: int) -> dict[str, Any]:
        return {
            "id": node,
            "type": "send_message",
            "data": {"message": message, "delay_hours": hours},
        }

    nodes = [
        {"id": "start", "type": "start", "data": {}},
        say("welcome", "Welcome, {user_name}!", 0),
        say("day2", "Day two, {user_name}: drink water.", 24),
        say("day3", "Day three: walk ten minutes.", 24),
        {"id": "done", "type": "end", "data": {}},
    ]
    order = [n["id"] for n in nodes]
    edges = [
        {"id": f"e{n}", "source": a, "target": b}
        for n, (a, b) in enumerate(itertools.pairwise(order))
    ]
    return {"nodes": nodes, "edges": edges}


def _worker(settings: Any) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key.get_secret_value(),
        "WORKER_HEARTBEAT_SECONDS": "0.3",
        "WORKER_STALLED_AFTER_SECONDS": "1.5",
        "WORKER_POLL_SECONDS": "0.1",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.utils.coaching_worker"], cwd=ROOT, env=env
    )


async def _until(check: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_walk_survives_a_worker_killed_mid_step(
    api: Any, upload: Any, sessions: Any, workspace: str, settings: Any, engine: Any
) -> None:
    web = {"channel_type": "web", "channel_name": "Site chat", "configuration": {}}
    channel = (await api.post("/api/v1/channels", json=web)).json()
    await upload(
        "end_users",
        [
            {
                "id": USER,
                "external_id": "visitor-flow-1",
                "channel": "web",
                "profile_data": {"name": "Rhea Quill"},
                "created_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    body = {"name": "Three days", "flow_definition": _flow()}
    program = (await api.post("/api/v1/programs", json=body)).json()
    assert (await api.post(f"/api/v1/programs/{program['id']}/publish")).status_code == 200
    enrolled = await api.post(f"/api/v1/users/{USER}/programs/{program['id']}/enroll")
    assert enrolled.status_code == 201, enrolled.text
    enrollment_id = uuid.UUID(enrolled.json()["enrollment_id"])

    async def enrollment() -> m.Enrollment:
        async with sessions() as session:
            return await session.get(m.Enrollment, (workspace, enrollment_id))

    async def delivered() -> list[str]:
        async with sessions() as session:
            rows = await session.scalars(
                select(m.ChannelMessage.text)
                .where(
                    m.ChannelMessage.workspace_id == workspace,
                    m.ChannelMessage.direction == "outbound",
                    m.ChannelMessage.status == "sent",
                )
                .order_by(m.ChannelMessage.created_at)
            )
            return list(rows)

    async def make_due(node: str) -> None:
        async with sessions.begin() as session:
            await session.execute(
                text(
                    "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
                    "AND task_name = 'coaching:advance_enrollment' AND args->>'node_id' = :node "
                    "AND args->>'workspace_id' = :ws"
                ),
                {"node": node, "ws": workspace},
            )

    async def job_status(node: str) -> str | None:
        async with sessions() as session:
            return await session.scalar(
                text(
                    "SELECT status::text FROM procrastinate_jobs WHERE args->>'node_id' = :node "
                    "AND args->>'workspace_id' = :ws ORDER BY id DESC LIMIT 1"
                ),
                {"node": node, "ws": workspace},
            )

    first = _worker(settings)
    second = None
    try:
        await _until(lambda: _eq(delivered(), ["Welcome, Rhea Quill!"]), "the first message")
        assert (await enrollment()).current_node == "day2"  # waiting its 24 hours

        # Hold the enrolment row, make day2 due: the worker enters the step and blocks
        # inside its transaction. Kill it there.
        async with engine.connect() as holder:
            transaction = await holder.begin()
            await holder.execute(
                text("SELECT 1 FROM enrollments WHERE workspace_id = :ws AND id = :id FOR UPDATE"),
                {"ws": workspace, "id": enrollment_id},
            )
            await make_due("day2")
            await _until(lambda: _eq(job_status("day2"), "doing"), "the worker in the step")
            await asyncio.sleep(0.3)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            await transaction.rollback()
        assert (await enrollment()).current_node == "day2"
        assert await delivered() == ["Welcome, Rhea Quill!"]

        second = _worker(settings)  # its recovery finds the dead worker's job and reruns it
        await _until(lambda: _eq(job_status("day2"), "succeeded"), "the rerun step", 60)
        await _until(
            lambda: _eq(delivered(), ["Welcome, Rhea Quill!", "Day two, Rhea Quill: drink water."]),
            "the second message",
        )
        await make_due("day3")
        await _until(lambda: _done(enrollment()), "completion")
        await _until(lambda: _count(delivered(), 3), "the third message")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)

    done = await enrollment()
    assert done.walk["visited"] == ["start", "welcome", "day2", "day3", "done"]
    assert await delivered() == [
        "Welcome, Rhea Quill!",
        "Day two, Rhea Quill: drink water.",
        "Day three: walk ten minutes.",
    ]
    async with sessions() as session:
        contents = (
            await session.scalars(
                select(m.Interaction.content)
                .where(
                    m.Interaction.workspace_id == workspace,
                    m.Interaction.program_id == uuid.UUID(program["id"]),
                )
                .order_by(m.Interaction.created_at)
            )
        ).all()
    assert contents == await delivered()
    completed = await events(sessions, workspace, "program.completed")
    assert len(completed) == 1 and completed[0]["enrollment_id"] == str(enrollment_id)

    # The widget shows the visitor what the flow sent, through the channel's widget route.
    inbox = f"/webhooks/web/{channel['id']}"
    hello = (await api.post(inbox, json={"text": "Hello?"})).json()
    assert hello["visitor_id"] != "visitor-flow-1"  # a new visitor sees only their own chat
    borrowed = {"visitor_id": "visitor-flow-1", "visitor_token": hello["visitor_token"]}
    own = await api.get(f"{inbox}/messages", params=borrowed)
    assert own.status_code == 401


async def _eq(value: Any, expected: Any) -> bool:
    return await value == expected


async def _count(value: Any, n: int) -> bool:
    return len(await value) == n


async def _done(value: Any) -> bool:
    return (await value).status == "completed"
