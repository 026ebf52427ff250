"""Email campaigns and sequences: stored with their content and steps; a one-time campaign
is sent by the job engine at `schedule.sendAt` (at once without one) to the active leads of
its segment (sending.py). Sequences are `active`: leads matching their trigger are
enrolled (enrolment.py) and sent each step in turn (sequences.py). Triggered campaigns are
`active` and wait for their trigger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.organic import enrolment, segments
from models.base import new_id, utcnow
from models.organic import EmailCampaign, EmailSequence, Lead, SequenceStep
from resolvers.errors import BadUserInput

QUEUE = "organic"
SEND_TASK = "organic:send_campaign"
# Step conditions the sequence runs evaluate: the lead opened an earlier step's email.
CONDITIONS = ("email_opened",)


async def recipients(session: AsyncSession, workspace_id: str, segment: dict[str, Any]) -> int:
    try:
        where = segments.conditions(segment)
    except segments.SegmentError as exc:
        raise BadUserInput(f"Invalid segment: {exc}", details={"segment": str(exc)}) from None
    return int(
        await session.scalar(
            select(func.count()).select_from(Lead).where(Lead.workspace_id == workspace_id, *where)
        )
        or 0
    )


async def create_campaign(
    session: AsyncSession,
    *,
    workspace_id: str,
    name: str,
    type: str,
    segment: dict[str, Any],
    content: dict[str, Any],
    send_at: datetime | None,
) -> EmailCampaign:
    count = await recipients(session, workspace_id, segment)
    now = utcnow()
    one_time = type == "one-time"
    campaign = EmailCampaign(
        workspace_id=workspace_id,
        id=new_id("camp"),
        name=name,
        type=type,
        status="scheduled" if one_time and send_at else "active",
        segment=segment,
        content=content,
        send_at=send_at,
        recipient_count=count,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    if one_time:
        await jobs.defer(
            session,
            SEND_TASK,
            queue=QUEUE,
            args={"workspace_id": workspace_id, "campaign_id": campaign.id},
            schedule_at=send_at,
            lock=f"campaign:{workspace_id}:{campaign.id}",
        )
    return campaign


async def create_sequence(
    session: AsyncSession,
    *,
    workspace_id: str,
    name: str,
    trigger: dict[str, Any],
    steps: list[dict[str, Any]],
) -> EmailSequence:
    """The sequence and its steps (`step_...`, in the order given). A step's condition must
    be one the gateway evaluates (CONDITIONS, sequences.py) and name an earlier step as
    `step_<n>` (its position, as the spec's example does) or by id. Its trigger must be one
    the gateway runs (enrolment.py)."""
    trigger = enrolment.checked_trigger(trigger)
    ids = [new_id("step") for _ in steps]
    conditions = [
        _checked_condition(step.get("condition"), ids, position)
        for position, step in enumerate(steps, 1)
    ]
    now = utcnow()
    sequence = EmailSequence(
        workspace_id=workspace_id,
        id=new_id("seq"),
        name=name,
        status="active",
        trigger=trigger,
        created_at=now,
        updated_at=now,
    )
    session.add(sequence)
    await session.flush()
    for position, (step_id, step, condition) in enumerate(
        zip(ids, steps, conditions, strict=True), 1
    ):
        session.add(
            SequenceStep(
                workspace_id=workspace_id,
                id=step_id,
                sequence_id=sequence.id,
                position=position,
                name=step["name"],
                delay_seconds=step["delay"],
                subject=(step.get("content") or {}).get("subject"),
                content=step.get("content") or {},
                condition=condition,
            )
        )
    return sequence


def _checked_condition(
    condition: dict[str, Any] | None, ids: list[str], position: int
) -> dict[str, Any] | None:
    if not condition:
        return None
    field = f"steps.{position - 1}.condition"
    kind, ref = condition.get("type"), condition.get("stepId")
    if kind not in CONDITIONS:
        raise BadUserInput(
            f"Unknown condition type {kind!r}: one of {', '.join(CONDITIONS)}",
            details={f"{field}.type": f"one of {', '.join(CONDITIONS)}"},
        )
    if not isinstance(ref, str) or not ref:
        raise BadUserInput(
            f"Step {position}'s {kind} condition names the step it is about in stepId",
            details={f"{field}.stepId": "must name an earlier step"},
        )
    return {**condition, "stepId": _step_ref(ref, ids, position)}


def _step_ref(ref: str, ids: list[str], position: int) -> str:
    """`step_<n>` (1-based, an earlier step) -> that step's id; an id of this sequence as is."""
    if ref in ids[: position - 1]:
        return ref
    number = ref.removeprefix("step_")
    if number.isdigit() and 1 <= int(number) < position:
        return ids[int(number) - 1]
    raise BadUserInput(
        f"Step {position}'s condition names {ref!r}, which is not an earlier step",
        details={f"steps.{position - 1}.condition.stepId": "must name an earlier step"},
    )
