"""Outbound messages to end users: queued in the caller's transaction, delivered by a job.

`queue` stores the message (`channel_messages`, pending) with the interaction that records
it and defers `coaching:deliver_message` in the same transaction, so a message exists
exactly when the flow step that sends it committed. The job hands it to the channel's
adapter (gateway/adapters/channels.py) once: a message no longer pending (a duplicate job)
is left alone. A temporary failure raises, and the job engine retries it with a growing
wait, up to MAX_ATTEMPTS; a permanent one (or the last attempt) marks it failed with the
reason. At least once: a worker killed after the provider accepted the message but before
the job recorded it sends it again.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.adapters import channels as adapters
from gateway.jobs.runtime import Runtime
from models.base import utcnow
from models.coaching import Channel, ChannelMessage, EndUser, Interaction

QUEUE = "coaching"
TASK = "coaching:deliver_message"
MAX_ATTEMPTS = 6  # with procrastinate's exponential wait of 5 s: 5 s, 25 s ... ~1 h


async def channel_for(session: AsyncSession, user: EndUser) -> Channel | None:
    """The configured channel a user is reached on: the one they last wrote through, else
    the workspace's oldest active channel of their type, else its oldest of that type."""
    ws, i = user.workspace_id, Interaction
    last = await session.scalar(
        select(i.channel_id)
        .where(i.workspace_id == ws, i.user_id == user.id, i.channel_id.is_not(None))
        .order_by(i.created_at.desc())
        .limit(1)
    )
    if last is not None:
        row = await session.get(Channel, (ws, last))
        if row is not None and row.channel_type == user.channel:
            return row
    c = Channel
    return await session.scalar(
        select(c)
        .where(c.workspace_id == ws, c.channel_type == user.channel)
        .order_by((c.status == "active").desc(), c.created_at, c.id)
        .limit(1)
    )


async def queue(
    session: AsyncSession, *, user: EndUser, text: str, program_id: uuid.UUID | None
) -> ChannelMessage:
    ws, now = user.workspace_id, utcnow()
    channel = await channel_for(session, user)
    interaction = Interaction(
        workspace_id=ws,
        id=uuid.uuid4(),
        user_id=user.id,
        channel=user.channel,
        channel_id=channel.id if channel else None,
        # Named from the user's side (docs/events.md): a message the user received.
        interaction_type="message_received",
        is_ai=False,
        program_id=program_id,
        content=text,
        created_at=now,
    )
    message = ChannelMessage(
        workspace_id=ws,
        id=uuid.uuid4(),
        user_id=user.id,
        channel_id=interaction.channel_id,
        channel=user.channel,
        direction="outbound",
        text=text,
        status="pending",
        interaction_id=interaction.id,
        created_at=now,
    )
    session.add_all([interaction, message])
    await session.flush()
    await jobs.defer(
        session, TASK, queue=QUEUE, args={"workspace_id": ws, "message_id": str(message.id)}
    )
    return message


async def deliver(runtime: Runtime, workspace_id: str, message_id: str, attempt: int) -> str:
    """Send one pending message (`attempt` counts from 0, as the job engine does)."""
    key = (workspace_id, uuid.UUID(message_id))
    async with runtime.sessions.begin() as session:
        message = await session.get(ChannelMessage, key, with_for_update=True)
        if message is None or message.status != "pending":
            return message.status if message else "gone"
        user = await session.get(EndUser, (workspace_id, message.user_id))
        channel = (
            await session.get(Channel, (workspace_id, message.channel_id))
            if message.channel_id
            else None
        )
        if channel is None and message.channel != "web":
            message.status, message.error = "failed", "no configured channel of this type"
            return "failed"
        outbound = adapters.OutboundMessage(
            workspace_id=workspace_id,
            message_id=message_id,
            channel_type=message.channel,
            channel_id=str(channel.id) if channel else None,
            channel_name=channel.channel_name if channel else None,
            to=user.external_id if user else "",
            text=message.text,
        )
        sender = adapters.for_channel(runtime.settings, message.channel, runtime.sessions)
        # The row stays locked while the channel is called: a duplicate job (a stalled
        # worker's, retried) waits here and then finds the message no longer pending.
        configuration: dict[str, Any] = channel.configuration if channel else {}
        try:
            delivered = await sender.send(outbound, configuration)
        except adapters.ChannelError as exc:
            error = str(exc)[:500]
            temporary = exc.temporary and attempt + 1 < MAX_ATTEMPTS
        else:
            message.status, message.sent_at = "sent", utcnow()
            message.provider_message_id = delivered.provider_message_id
            message.attempts, message.error = attempt + 1, None
            return "sent"
    await _failed(runtime, key, error, attempt + 1, final=not temporary)
    if temporary:
        raise adapters.ChannelError(error, temporary=True)  # the job engine retries it
    return "failed"


async def _failed(
    runtime: Runtime, key: tuple[str, uuid.UUID], error: str, attempts: int, *, final: bool
) -> None:
    async with runtime.sessions.begin() as session:
        message = await session.get(ChannelMessage, key, with_for_update=True)
        if message is not None and message.status == "pending":
            message.error, message.attempts = error, attempts
            if final:
                message.status = "failed"
