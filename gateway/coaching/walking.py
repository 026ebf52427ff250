"""Enrolled users walked through their program's flow on the job engine.

An enrolment keeps the program version it started on, and `current_node`, the node its
next job will run. One job runs one node, in one transaction with its effects and the
deferral of the next node's job: a worker killed mid-step rolls the step back and the
retried job runs it once; a job whose node is no longer the enrolment's current one (a
duplicate) does nothing. So no step is lost or repeated.

Nodes: `start` passes on; `send_message` renders `data.message` for the user and queues it
for their channel (gateway/coaching/delivery.py: a `message_received` interaction of the
program with the text, the user's side of it, and a delivery job that the job engine
retries if the channel fails) once its `delay_hours` have passed since the previous step;
`delay` waits `data.delay_hours`;
`end`, or a node with no outgoing edge, completes the enrolment: `program.completed` is
recorded and `settings.completion_badge` awarded. Where a node has several outgoing edges,
the first listed is followed.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.coaching import delivery
from gateway.jobs.runtime import Runtime
from models.base import utcnow
from models.coaching import (
    Badge,
    BadgeAward,
    EndUser,
    Enrollment,
    Program,
    ProgramVersion,
)
from subscriptions.events import iso, record_event

QUEUE = "coaching"
TASK = "coaching:advance_enrollment"
_PLACEHOLDER = re.compile(r"\{\s*(user_name|name)\s*\}")


async def start(session: AsyncSession, enrollment: Enrollment, flow: dict[str, Any]) -> None:
    """Point a new enrolment at its flow's start node and defer that node's job."""
    first = next(n for n in flow.get("nodes", []) if n.get("type") == "start")
    enrollment.current_node = first["id"]
    await _defer(session, enrollment, first["id"], None)


async def _defer(
    session: AsyncSession, enrollment: Enrollment, node_id: str, at: dt.datetime | None
) -> None:
    await jobs.defer(
        session,
        TASK,
        queue=QUEUE,
        args={
            "workspace_id": enrollment.workspace_id,
            "enrollment_id": str(enrollment.id),
            "node_id": node_id,
        },
        # No procrastinate lock: the next job is deferred while this one holds it. The
        # enrolment row's lock and `current_node` keep steps single.
        schedule_at=at,
    )


async def flow_of(session: AsyncSession, enrollment: Enrollment) -> dict[str, Any]:
    """The flow of the version the enrolment started on (the program's own if unknown)."""
    ws = enrollment.workspace_id
    if enrollment.program_version is not None:
        v = ProgramVersion
        flow = await session.scalar(
            select(v.flow_definition).where(
                v.workspace_id == ws,
                v.program_id == enrollment.program_id,
                v.version == enrollment.program_version,
            )
        )
        if flow is not None:
            return flow
    program = await session.get(Program, (ws, enrollment.program_id))
    return program.flow_definition if program else {"nodes": [], "edges": []}


def _hours(node: dict[str, Any]) -> float:
    value = (node.get("data") or {}).get("delay_hours", 0)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


async def advance(runtime: Runtime, workspace_id: str, enrollment_id: str, node_id: str) -> str:
    """Run `node_id` and every node after it that is due now (no wait between them), in
    one transaction; defer the job of the first node that has to wait."""
    async with runtime.sessions.begin() as session:
        key = (workspace_id, uuid.UUID(enrollment_id))
        enrollment = await session.get(Enrollment, key, with_for_update=True)
        if enrollment is None or enrollment.status != "active":
            return "not active"
        if enrollment.current_node != node_id:
            return "done before"
        flow = await flow_of(session, enrollment)
        nodes = {n["id"]: n for n in flow.get("nodes", [])}
        while True:
            node = nodes.get(node_id)
            if node is None:
                return "no such node"
            outcome = await _step(session, enrollment, flow, nodes, node)
            if outcome is None:
                return "completed"
            node_id, at = outcome
            if at is not None:
                await _defer(session, enrollment, node_id, at)
                return f"waiting for {node_id}"


async def _step(
    session: AsyncSession,
    enrollment: Enrollment,
    flow: dict[str, Any],
    nodes: dict[str, Any],
    node: dict[str, Any],
) -> tuple[str, dt.datetime | None] | None:
    """Run one node; the next node and when it is due (None: now), or None when done."""
    if node.get("type") == "send_message":
        await _deliver(session, enrollment, node)
    following = [e["target"] for e in flow.get("edges", []) if e.get("source") == node["id"]]
    visited = [*(enrollment.walk or {}).get("visited", []), node["id"]]
    enrollment.walk = {**(enrollment.walk or {}), "visited": visited}
    if node.get("type") == "end" or not following or following[0] not in nodes:
        await _complete(session, enrollment)
        return None
    nxt = nodes[following[0]]
    enrollment.current_node = nxt["id"]
    enrollment.progress = round(min(len(visited) / max(len(nodes), 1), 0.99), 4)
    # A delay node waits before passing on; a message waits its delay_hours before it is sent.
    wait = _hours(node) if node.get("type") == "delay" else 0.0
    if nxt.get("type") == "send_message":
        wait += _hours(nxt)
    return nxt["id"], (utcnow() + dt.timedelta(hours=wait) if wait else None)


async def _deliver(session: AsyncSession, enrollment: Enrollment, node: dict[str, Any]) -> None:
    """Queue the node's message, rendered for the user, for their channel's adapter."""
    user = await session.get(EndUser, (enrollment.workspace_id, enrollment.user_id))
    if user is None:
        return
    text = render((node.get("data") or {}).get("message", ""), user)
    await delivery.queue(session, user=user, text=text, program_id=enrollment.program_id)


def render(template: str, user: EndUser) -> str:
    """`{user_name}` (and `{name}`) become the user's profile name; other text stays."""
    name = str((user.profile_data or {}).get("name") or "there")
    return _PLACEHOLDER.sub(lambda m: name, template)


async def _complete(session: AsyncSession, enrollment: Enrollment) -> None:
    ws = enrollment.workspace_id
    now = utcnow()
    enrollment.status, enrollment.progress, enrollment.completed_at = "completed", 1.0, now
    enrollment.current_node = None
    program = await session.get(Program, (ws, enrollment.program_id))
    badge_id = (program.settings if program else {}).get("completion_badge")
    awarded = None
    try:
        badge_key = uuid.UUID(str(badge_id)) if badge_id else None
    except ValueError:
        badge_key = None
    if badge_key and await session.get(Badge, (ws, badge_key)) is not None:
        await session.execute(
            insert(BadgeAward)
            .values(workspace_id=ws, id=uuid.uuid4(), user_id=enrollment.user_id,
                    badge_id=badge_key, earned_at=now)
            .on_conflict_do_nothing()
        )  # fmt: skip
        awarded = str(badge_key)
    await record_event(
        session,
        workspace_id=ws,
        type="program.completed",
        payload={
            "enrollment_id": str(enrollment.id),
            "user_id": str(enrollment.user_id),
            "program_id": str(enrollment.program_id),
            "enrolled_at": iso(enrollment.enrolled_at),
            "completed_at": iso(now),
            "badge_id": awarded,
        },
        subject=str(enrollment.id),
    )
