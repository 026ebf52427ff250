"""Storing a channel's incoming messages, in one transaction with their events.

Per message: the end user is found by (channel type, external_id), or created (recording
`user.created`); the message is stored as a `message_sent` interaction with its text (the
user's side: docs/events.md), recording `message.received`, and in `channel_messages`
(where the widget reads the conversation, and where the provider's message id makes a
re-sent webhook a no-op). A message that asks for a person (its text is one of the
channel's `escalation_keywords`, by default "human", "agent", "/human"; or the gateway
form's `escalate: true`) is also a `human_escalation` interaction, recording
`escalation.created`. A channel still pending verification becomes active on its first
verified message. Payloads are those ingestion records (subscriptions/coaching_events.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.channel_inbound import Inbound
from gateway.ingestion.coaching import end_user_id
from models.base import utcnow
from models.coaching import Channel, ChannelMessage, EndUser, Interaction
from subscriptions.coaching_events import user_payload
from subscriptions.events import iso, record_event

DEFAULT_ESCALATION_KEYWORDS = ("human", "agent", "/human")


@dataclass(frozen=True)
class Received:
    user_id: uuid.UUID
    message_id: uuid.UUID | None  # the interaction; None for a re-sent duplicate
    escalated: bool


def _escalates(channel: Channel, message: Inbound) -> bool:
    if message.escalate:
        return True
    keywords = channel.configuration.get("escalation_keywords", DEFAULT_ESCALATION_KEYWORDS)
    if not isinstance(keywords, list | tuple):
        keywords = DEFAULT_ESCALATION_KEYWORDS
    return message.text.strip().lower() in {str(k).strip().lower() for k in keywords}


async def end_user_for(
    session: AsyncSession, channel: Channel, external_id: str, name: str | None
) -> EndUser:
    """The channel type's user with this external_id, created (with user.created) if new.
    A new one gets the id ingestion would derive, so two first messages racing each other
    (or a later upload of the same person) make one user."""
    ws, u = channel.workspace_id, EndUser
    found = select(u).where(
        u.workspace_id == ws, u.channel == channel.channel_type, u.external_id == external_id
    )
    user = await session.scalar(found.order_by(u.created_at, u.id).limit(1).with_for_update())
    if user is not None:
        return user
    key = end_user_id(channel.channel_type, external_id)
    created = await session.scalar(
        insert(u)
        .values(workspace_id=ws, id=key, external_id=external_id, channel=channel.channel_type,
                profile_data={"name": name} if name else {}, is_active=True,
                engagement_score=0.0, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(u.id)
    )  # fmt: skip
    user = await session.get(u, (ws, key), with_for_update=True, populate_existing=True)
    assert user is not None
    if created is not None:
        await record_event(
            session, workspace_id=ws, type="user.created", payload=user_payload(user),
            subject=str(user.id),
        )  # fmt: skip
    return user


async def receive(session: AsyncSession, channel: Channel, message: Inbound) -> Received:
    ws = channel.workspace_id
    if message.provider_message_id is not None:
        seen = await session.scalar(
            select(ChannelMessage.user_id).where(
                ChannelMessage.workspace_id == ws,
                ChannelMessage.channel_id == channel.id,
                ChannelMessage.direction == "inbound",
                ChannelMessage.provider_message_id == message.provider_message_id,
            )
        )
        if seen is not None:
            return Received(seen, None, False)
    user = await end_user_for(session, channel, message.external_id, message.name)
    now = utcnow()
    user.last_active_at = max(user.last_active_at or now, now)
    sent = await _interaction(session, channel, user, "message_sent", message.text, now)
    session.add(
        ChannelMessage(
            workspace_id=ws, id=uuid.uuid4(), user_id=user.id, channel_id=channel.id,
            channel=channel.channel_type, direction="inbound", text=message.text,
            status="received", interaction_id=sent.id,
            provider_message_id=message.provider_message_id, created_at=now, sent_at=now,
        )
    )  # fmt: skip
    await _event(session, "message.received", "message_id", sent)
    escalated = _escalates(channel, message)
    if escalated:
        escalation = await _interaction(
            session, channel, user, "human_escalation", message.text, now
        )
        await _event(session, "escalation.created", "escalation_id", escalation)
    if channel.status == "pending_verification":
        channel.status = "active"
    return Received(user.id, sent.id, escalated)


async def _interaction(
    session: AsyncSession, channel: Channel, user: EndUser, kind: str, text: str, at: Any
) -> Interaction:
    row = Interaction(
        workspace_id=channel.workspace_id, id=uuid.uuid4(), user_id=user.id,
        channel=channel.channel_type, channel_id=channel.id, interaction_type=kind,
        is_ai=False, content=text, created_at=at,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def _event(session: AsyncSession, kind: str, key: str, row: Interaction) -> None:
    payload = {
        key: str(row.id),
        "user_id": str(row.user_id),
        "channel": row.channel,
        "channel_id": str(row.channel_id) if row.channel_id else None,
        "program_id": str(row.program_id) if row.program_id else None,
        "created_at": iso(row.created_at),
    }
    await record_event(
        session, workspace_id=row.workspace_id, type=kind, payload=payload, subject=str(row.id)
    )
