"""Domain events: what they look like, which types exist, and how a write records one.

Every event is recorded in the outbox (`events` table) inside the transaction of the write
that caused it; subscriptions/relay.py publishes it afterwards. Nothing here talks to the
broker: a write never publishes directly, so an event cannot escape a rolled-back write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import new_id

# NOTIFY channel that nudges the relay when a transaction with events commits.
CHANNEL = "gateway_events"


@dataclass(frozen=True)
class EventType:
    name: str
    spec: str  # the legacy spec that names it
    scope: str  # the principal needs this scope to receive it
    description: str


def _types(spec: str, scope: str, **names: str) -> dict[str, EventType]:
    return {n: EventType(n, spec, scope, d) for n, d in names.items()}


# Every event type the gateway knows; docs/events.md gives each payload.
EVENT_TYPES: dict[str, EventType] = {
    **_types("000", "read:users", **{"user.registered": "A non-temporary user was created."}),
    **_types(
        "000",
        "read:revenue",
        **{
            "user.converted": "A user's first completed payment.",
            "subscription.created": "A new subscription.",
            "subscription.cancelled": "A subscription became cancelled.",
        },
    ),
    **_types("000", "read:characters", **{"character.created": "A new character."}),
    **_types("000", "read:analytics", **{"milestone.reached": "A platform total crossed a mark."}),
    **_types(
        "002",
        "read:users",
        **{
            "user.created": "A coaching end user was created.",
            "user.updated": "A coaching end user changed.",
            "program.enrolled": "A user enrolled in a program.",
            "program.completed": "A user completed a program.",
            "message.received": "A channel message arrived.",
            "escalation.created": "A conversation was escalated to a human.",
        },
    ),
    **_types(
        "003",
        "read:content",
        **{
            "content.published": "Content was published.",
            "content.failed": "Content publishing failed.",
            "email.sent": "An email was sent.",
            "email.bounced": "An email bounced.",
            "lead.created": "A new lead.",
            "lead.unsubscribed": "A lead unsubscribed.",
            "integration.connected": "An integration was connected.",
            "integration.failed": "An integration failed.",
        },
    ),
    **_types(
        "004",
        "read:analytics",
        agent_update="An AI agent's status changed.",
        metrics_update="A dashboard metric changed.",
        post_status="A post's status changed.",
        campaign_update="A campaign's performance changed.",
        notification="A notification for the workspace's users.",
    ),
}


@dataclass(frozen=True)
class Event:
    id: str
    workspace_id: str
    type: str
    payload: Mapping[str, Any]
    created_at: datetime
    subject: str | None = None
    # Position in the broker's stream (set when published); clients resume after it.
    cursor: str | None = field(default=None, compare=False)

    def envelope(self) -> dict[str, Any]:
        """The webhook body and GraphQL `Event.json`: spec 003's event format."""
        return {
            "id": self.id,
            "type": self.type,
            "workspaceId": self.workspace_id,
            "data": dict(self.payload),
            "timestamp": iso(self.created_at),
        }

    def webhook_body(self) -> dict[str, Any]:
        """What a webhook receives: each type in the format of the spec that names it. Spec
        002's receivers read `event` and `creator_id` (a creator is a workspace here); the
        event's id travels in the signature headers as for every other type."""
        known = EVENT_TYPES.get(self.type)
        if known is not None and known.spec == "002":
            return {
                "event": self.type,
                "timestamp": iso(self.created_at),
                "data": dict(self.payload),
                "creator_id": self.workspace_id,
            }
        return self.envelope()

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "id": self.id,
                "ws": self.workspace_id,
                "type": self.type,
                "payload": self.payload,
                "at": self.created_at.isoformat(),
                "subject": self.subject,
            }
        )

    @classmethod
    def from_json(cls, raw: bytes | str, cursor: str | None = None) -> Event:
        data = orjson.loads(raw)
        return cls(
            id=data["id"],
            workspace_id=data["ws"],
            type=data["type"],
            payload=data["payload"],
            created_at=datetime.fromisoformat(data["at"]),
            subject=data.get("subject"),
            cursor=cursor,
        )


def iso(moment: datetime) -> str:
    """`2024-03-01T10:00:00Z`, as spec 003 shows event timestamps (milliseconds if any)."""
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def scope_for(event_type: str) -> str:
    known = EVENT_TYPES.get(event_type)
    return known.scope if known else "read:analytics"


async def record_event(
    session: AsyncSession,
    *,
    workspace_id: str,
    type: str,
    payload: Mapping[str, Any],
    subject: str | None = None,
) -> str:
    """Record one event in the session's transaction (it is published after the commit).

    The function mutations and jobs call; ingestion uses `DataType(events=...)` instead.
    Returns the event id (`evt_...`)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    event_id = new_id("evt")
    await session.execute(
        text(
            "INSERT INTO events (workspace_id, id, type, subject, payload, created_at) "
            "VALUES (:ws, :id, :type, :subject, CAST(:payload AS jsonb), :at)"
        ),
        {
            "ws": workspace_id,
            "id": event_id,
            "type": type,
            "subject": subject,
            "payload": orjson.dumps(payload, default=str).decode(),
            "at": datetime.now(UTC),
        },
    )
    await session.execute(text(f"SELECT pg_notify('{CHANNEL}', '')"))
    return event_id
