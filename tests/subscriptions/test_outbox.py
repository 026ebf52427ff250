"""Ingestion records its domain events in the outbox, in the batch's own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.database import transaction
from gateway.ingestion import IngestionRejected, ingest
from models.events import DomainEvent
from subscriptions.events import record_event
from tests.utils.builders import character, creator, user


async def _events(sessions, workspace, type_=None):
    async with sessions() as session:
        statement = select(DomainEvent).where(DomainEvent.workspace_id == workspace)
        if type_:
            statement = statement.where(DomainEvent.type == type_)
        rows = await session.scalars(
            statement.order_by(DomainEvent.created_at, DomainEvent.subject)
        )
        return list(rows)


async def test_new_users_and_characters_record_events(upload, sessions, workspace):
    await upload("users", [user(1), user(2, is_temporary=True), user(3)])
    await upload("creators", [creator(1)])
    await upload("characters", [character(10, 1)])
    await upload("users", [user(1, username="renamed")])  # an update: no new event
    await upload("users", [user(2)])  # the temporary user registers
    await upload("users", [user(2, username="again")])  # registered already: nothing new

    registered = await _events(sessions, workspace, "user.registered")
    assert [(e.id[:4], e.subject) for e in registered] == [
        ("evt_", "user_1"),
        ("evt_", "user_3"),
        ("evt_", "user_2"),  # the temporary user who registered
    ]
    assert registered[0].payload == {
        "userId": "user_1",
        "username": "tester1",
        "language": "en",
        "country": None,
        "device": None,
        "createdAt": "2024-03-02T12:00:00.000Z",
    }
    created = await _events(sessions, workspace, "character.created")
    assert [e.payload["characterId"] for e in created] == ["char_10"]
    assert created[0].payload["creatorId"] == "user_1"


async def test_conversion_subscriptions_and_milestones(upload, sessions, workspace):
    await upload("users", [user(n) for n in range(1, 101)])
    await upload("subscription_tiers", [{"id": "tier_basic", "name": "Basic", "price": "9.99"}])
    sub = {"id": "sub_1", "user_id": "user_1", "tier_id": "tier_basic"}
    await upload("subscriptions", [{**sub, "created_at": "2024-03-01T00:00:00Z"}])
    txn = {"user_id": "user_1", "type": "subscription", "amount": "9.99", "status": "completed"}
    await upload(
        "transactions",
        [
            {**txn, "id": "txn_2", "created_at": "2024-03-02T00:00:00Z"},
            {**txn, "id": "txn_1", "created_at": "2024-03-01T00:00:00Z"},
        ],
    )
    await upload("transactions", [{**txn, "id": "txn_3", "created_at": "2024-03-03T00:00:00Z"}])
    cancelled = {**sub, "status": "cancelled", "cancelled_at": "2024-03-05T00:00:00Z"}
    await upload("subscriptions", [{**cancelled, "created_at": "2024-03-01T00:00:00Z"}])
    await upload("subscriptions", [{**cancelled, "created_at": "2024-03-01T00:00:00Z"}])

    converted = await _events(sessions, workspace, "user.converted")
    assert [e.payload for e in converted] == [
        {
            "userId": "user_1",
            "transactionId": "txn_1",
            "type": "subscription",
            "amount": 9.99,
            "currency": "USD",
            "convertedAt": "2024-03-01T00:00:00.000Z",
        }
    ]
    types = [e.type for e in await _events(sessions, workspace)]
    assert types.count("subscription.created") == 1
    assert types.count("subscription.cancelled") == 1  # re-sent: recorded once
    milestones = await _events(sessions, workspace, "milestone.reached")
    assert [(m.subject, m.payload["value"], m.payload["total"]) for m in milestones] == [
        ("users:100", 100, 100)
    ]


async def test_rejected_batch_records_nothing(sessions, workspace):
    with pytest.raises(IngestionRejected):
        async with transaction(sessions) as session:
            await ingest(session, workspace_id=workspace, data_type="users", records=[user(1)])
            await ingest(
                session, workspace_id=workspace, data_type="creators", records=[creator(99)]
            )
    assert await _events(sessions, workspace) == []


async def test_record_event_joins_the_callers_transaction(sessions, workspace):
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await record_event(
                session, workspace_id=workspace, type="notification", payload={"id": "n1"}
            )
            raise RuntimeError("the write failed")
    assert await _events(sessions, workspace) == []
    async with transaction(sessions) as session:
        event_id = await record_event(
            session, workspace_id=workspace, type="notification", payload={"id": "n2"}
        )
    assert [e.id for e in await _events(sessions, workspace)] == [event_id]
    with pytest.raises(ValueError, match="unknown event type"):
        async with transaction(sessions) as session:
            await record_event(session, workspace_id=workspace, type="nope", payload={})
