"""Spec 002's channels receiving: each provider's webhook checked as the provider signs it
(a bad signature or token is refused and stores nothing), messages stored as interactions
with their text, spec 002's events with their exact keys, the web widget's conversation
for its visitor only, and channel secrets never answered but stored sealed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from gateway.adapters.channel_inbound import signature
from gateway.secrets import SecretBox
from models import coaching as m
from tests.utils.jobs import run_due_jobs
from tests.utils.organic_jobs import events

MESSAGE_KEYS = {"message_id", "user_id", "channel", "channel_id", "program_id", "created_at"}
ESCALATION_KEYS = MESSAGE_KEYS - {"message_id"} | {"escalation_id"}
USER_KEYS = {
    "user_id",
    "external_id",
    "channel",
    "profile_data",
    "timezone",
    "language",
    "is_active",
    "engagement_score",
    "created_at",
}
SECRETS = {
    "access_token": "wa-access-7",
    "webhook_verify_token": "wa-verify-7",
    "app_secret": "wa-app-secret-7",
}


@pytest.fixture
async def provider(_marketing_app: Any, api: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A caller with no principal at all, as WhatsApp, Telegram or a browser calls."""
    app, _ = _marketing_app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


async def _channel(api: Any, kind: str, **configuration: Any) -> dict[str, Any]:
    body = {"channel_type": kind, "channel_name": f"{kind} line", "configuration": configuration}
    created = await api.post("/api/v1/channels", json=body)
    assert created.status_code == 201, created.text
    return created.json()


def _path(channel: dict[str, Any]) -> str:
    url = channel["configuration"]["webhook_url"]
    return url[url.index("/webhooks/") :]


def _whatsapp_body(sender: str, text: str, message_id: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "contacts": [{"profile": {"name": "Ines Varga"}, "wa_id": sender}],
        "messages": [
            {
                "from": sender,
                "id": message_id,
                "timestamp": "1709900000",
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "biz-1", "changes": [{"field": "messages", "value": value}]}],
    }
    return orjson.dumps(body)


async def _interactions(sessions: Any, workspace: str) -> list[m.Interaction]:
    async with sessions() as session:
        rows = await session.scalars(
            select(m.Interaction)
            .where(m.Interaction.workspace_id == workspace)
            .order_by(m.Interaction.created_at, m.Interaction.interaction_type)
        )
        return list(rows)


async def test_whatsapp_handshake_signature_and_events(
    api: Any, provider: Any, sessions: Any, workspace: str
) -> None:
    channel = await _channel(
        api, "whatsapp", phone_number="+15550100", phone_number_id="1071", **SECRETS
    )
    path = _path(channel)
    assert path == f"/webhooks/whatsapp/{channel['id']}"
    wrong = await provider.get(
        path, params={"hub.mode": "subscribe", "hub.challenge": "42", "hub.verify_token": "guess"}
    )
    assert wrong.status_code == 403
    assert (await api.get("/api/v1/channels")).json()["channels"][0]["status"] == (
        "pending_verification"
    )
    right = await provider.get(
        path,
        params={
            "hub.mode": "subscribe",
            "hub.challenge": "4711",
            "hub.verify_token": "wa-verify-7",
        },
    )
    assert right.status_code == 200 and right.text == "4711"
    assert (await api.get("/api/v1/channels")).json()["channels"][0]["status"] == "active"

    body = _whatsapp_body("15550123", "Slept seven hours!", "wamid.A1")
    for bad in (
        {},
        {"x-hub-signature-256": signature("not-the-secret", body)},
        {"x-hub-signature-256": signature("wa-app-secret-7", body + b" ")},
    ):
        refused = await provider.post(path, content=body, headers=bad)
        assert refused.status_code == 401, refused.text
    assert await _interactions(sessions, workspace) == []
    assert await events(sessions, workspace, "user.created") == []

    signed = {
        "x-hub-signature-256": signature("wa-app-secret-7", body),
        "content-type": "application/json",
    }
    accepted = await provider.post(path, content=body, headers=signed)
    assert accepted.status_code == 200 and accepted.json() == {"received": 1}
    again = await provider.post(path, content=body, headers=signed)  # WhatsApp re-sends
    assert again.status_code == 200
    (stored,) = await _interactions(sessions, workspace)
    assert (stored.interaction_type, stored.content, stored.is_ai) == (
        "message_sent",
        "Slept seven hours!",
        False,
    )
    (created,) = await events(sessions, workspace, "user.created")
    assert set(created) == USER_KEYS and created["external_id"] == "15550123"
    assert created["channel"] == "whatsapp" and created["profile_data"] == {"name": "Ines Varga"}
    (received,) = await events(sessions, workspace, "message.received")
    assert set(received) == MESSAGE_KEYS
    assert received["message_id"] == str(stored.id) and received["channel_id"] == channel["id"]
    assert received["user_id"] == created["user_id"] and received["program_id"] is None

    help_body = _whatsapp_body("15550123", "Human", "wamid.A2")
    escalated = await provider.post(
        path,
        content=help_body,
        headers={"x-hub-signature-256": signature("wa-app-secret-7", help_body)},
    )
    assert escalated.status_code == 200
    (escalation,) = await events(sessions, workspace, "escalation.created")
    assert set(escalation) == ESCALATION_KEYS and escalation["user_id"] == created["user_id"]
    assert len(await events(sessions, workspace, "user.created")) == 1  # the same user


async def test_telegram_secret_token(
    api: Any, provider: Any, sessions: Any, workspace: str, upload: Any
) -> None:
    channel = await _channel(api, "telegram", bot_token="123:tg-bot", webhook_verify_token="tg-7")
    update = orjson.dumps(
        {
            "update_id": 900,
            "message": {
                "message_id": 5,
                "date": 1709900000,
                "chat": {"id": 4242, "type": "private"},
                "from": {"id": 4242, "first_name": "Oto", "last_name": "Brann"},
                "text": "Morning!",
            },
        }
    )
    for token in (None, "tg-8"):
        headers = {"x-telegram-bot-api-secret-token": token} if token else {}
        refused = await provider.post(_path(channel), content=update, headers=headers)
        assert refused.status_code == 401
    assert await _interactions(sessions, workspace) == []
    ok = await provider.post(
        _path(channel), content=update, headers={"x-telegram-bot-api-secret-token": "tg-7"}
    )
    assert ok.status_code == 200 and ok.json() == {"received": 1}
    (created,) = await events(sessions, workspace, "user.created")
    assert created["external_id"] == "4242" and created["profile_data"] == {"name": "Oto Brann"}
    assert [i.content for i in await _interactions(sessions, workspace)] == ["Morning!"]
    # The same person uploaded later (without an id) is the same user.
    await upload(
        "end_users",
        [
            {
                "external_id": "4242",
                "channel": "telegram",
                "profile_data": {"name": "Oto Brann"},
                "created_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    async with sessions() as session:
        users = (
            await session.scalars(select(m.EndUser.id).where(m.EndUser.workspace_id == workspace))
        ).all()
    assert [str(u) for u in users] == [created["user_id"]]


async def test_gateway_form_and_a_channel_without_secret(
    api: Any, provider: Any, sessions: Any, workspace: str
) -> None:
    app_channel = await _channel(api, "mobile", webhook_verify_token="mob-7")
    body = orjson.dumps(
        {"messages": [{"id": "m1", "external_id": "device-9", "text": "hi", "escalate": True}]}
    )
    bad = await provider.post(
        _path(app_channel), content=body, headers={"x-hub-signature-256": signature("mob-8", body)}
    )
    assert bad.status_code == 401
    good = await provider.post(
        _path(app_channel), content=body, headers={"x-hub-signature-256": signature("mob-7", body)}
    )
    assert good.status_code == 200
    kinds = sorted(i.interaction_type for i in await _interactions(sessions, workspace))
    assert kinds == ["human_escalation", "message_sent"]
    flood = orjson.dumps({"messages": [{"external_id": f"d{n}", "text": "x"} for n in range(101)]})
    too_many = await provider.post(
        _path(app_channel),
        content=flood,
        headers={"x-hub-signature-256": signature("mob-7", flood)},
    )
    assert too_many.status_code == 422
    assert len(await _interactions(sessions, workspace)) == 2
    bare = await _channel(api, "whatsapp", phone_number="+15550199")  # no app_secret
    refused = await provider.post(
        _path(bare),
        content=_whatsapp_body("1", "x", "w"),
        headers={"x-hub-signature-256": "sha256=00"},
    )
    assert refused.status_code == 403
    missing = await provider.post(
        "/webhooks/telegram/7e0b3c4e-0000-4000-8000-000000000000", content=b"{}"
    )
    assert missing.status_code == 404


async def test_widget_conversation_for_its_visitor_only(
    api: Any, provider: Any, sessions: Any, workspace: str, engine: Any, settings: Any
) -> None:
    channel = await _channel(api, "web", widget_color="#28a745")
    inbox = _path(channel)
    first = await provider.post(inbox, json={"text": "Can you help me sleep?", "name": "Lio"})
    assert first.status_code == 201, first.text
    visitor = first.json()
    assert set(visitor) == {"visitor_id", "visitor_token", "message_id"}
    (created,) = await events(sessions, workspace, "user.created")
    assert created["external_id"] == visitor["visitor_id"] and created["channel"] == "web"
    user_id = created["user_id"]

    flow = {
        "nodes": [
            {"id": "start", "type": "start", "data": {}},
            {
                "id": "tip",
                "type": "send_message",
                "data": {"message": "Hi {user_name}, dim the lights at nine."},
            },
        ],
        "edges": [{"id": "e", "source": "start", "target": "tip"}],
    }
    program = await api.post("/api/v1/programs", json={"name": "Sleep", "flow_definition": flow})
    program_id = program.json()["id"]
    await api.post(f"/api/v1/programs/{program_id}/publish")
    enrolled = await api.post(f"/api/v1/users/{user_id}/programs/{program_id}/enroll")
    assert enrolled.status_code == 201
    await run_due_jobs(engine, settings, queues=["coaching"])

    mine = {"visitor_id": visitor["visitor_id"], "visitor_token": visitor["visitor_token"]}
    chat = await provider.get(f"{inbox}/messages", params=mine)
    assert chat.status_code == 200
    assert [(x["direction"], x["text"]) for x in chat.json()["messages"]] == [
        ("inbound", "Can you help me sleep?"),
        ("outbound", "Hi Lio, dim the lights at nine."),
    ]
    later = await provider.get(
        f"{inbox}/messages", params={**mine, "after": chat.json()["messages"][0]["created_at"]}
    )
    assert [x["direction"] for x in later.json()["messages"]] == ["outbound"]
    reply = await provider.post(inbox, json={"text": "Thanks", **mine})
    assert reply.status_code == 201 and reply.json()["visitor_id"] == visitor["visitor_id"]
    assert len(await events(sessions, workspace, "user.created")) == 1

    stranger = (await provider.post(inbox, json={"text": "Me too"})).json()
    for params in (
        {**mine, "visitor_token": stranger["visitor_token"]},
        {"visitor_id": visitor["visitor_id"]},
    ):
        assert (await provider.get(f"{inbox}/messages", params=params)).status_code == 401
    forged = await provider.post(
        inbox,
        json={
            "text": "x",
            "visitor_id": visitor["visitor_id"],
            "visitor_token": stranger["visitor_token"],
        },
    )
    assert forged.status_code == 401
    assert (await provider.post(inbox, json={"text": ""})).status_code == 422
    async with sessions() as session:
        inbound = await session.scalar(
            select(func.count())
            .select_from(m.ChannelMessage)
            .where(
                m.ChannelMessage.workspace_id == workspace, m.ChannelMessage.direction == "inbound"
            )
        )
    assert inbound == 3


async def test_rest_writes_emit_their_events_with_exact_keys(
    api: Any, upload: Any, sessions: Any, workspace: str, engine: Any, settings: Any
) -> None:
    await upload(
        "end_users",
        [
            {
                "id": "66666666-6666-4666-8666-666666666666",
                "external_id": "ext-ev",
                "channel": "telegram",
                "created_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    user = "66666666-6666-4666-8666-666666666666"
    (created,) = await events(sessions, workspace, "user.created")  # ingestion
    assert set(created) == USER_KEYS
    changed = await api.put(f"/api/v1/users/{user}", json={"language": "fi"})
    assert changed.status_code == 200
    (updated,) = await events(sessions, workspace, "user.updated")
    assert set(updated) == USER_KEYS | {"changed"} and updated["changed"] == ["language"]
    flow = {"nodes": [{"id": "start", "type": "start", "data": {}}], "edges": []}
    program = await api.post("/api/v1/programs", json={"name": "One", "flow_definition": flow})
    program_id = program.json()["id"]
    await api.post(f"/api/v1/programs/{program_id}/publish")
    assert (await api.post(f"/api/v1/users/{user}/programs/{program_id}/enroll")).status_code == 201
    (enrolled,) = await events(sessions, workspace, "program.enrolled")
    assert set(enrolled) == {"enrollment_id", "user_id", "program_id", "status", "enrolled_at"}
    await run_due_jobs(engine, settings, queues=["coaching"])
    (completed,) = await events(sessions, workspace, "program.completed")
    assert set(completed) == {
        "enrollment_id",
        "user_id",
        "program_id",
        "enrolled_at",
        "completed_at",
        "badge_id",
    }
    assert completed["user_id"] == user and completed["program_id"] == program_id
    # The same event recorded by ingestion has the same keys.
    await upload(
        "enrollments",
        [
            {
                "user_id": user,
                "program_id": program_id,
                "status": "completed",
                "enrolled_at": "2024-03-02T00:00:00Z",
                "completed_at": "2024-03-03T00:00:00Z",
            }
        ],
    )
    by_walk, by_ingestion = await events(sessions, workspace, "program.completed")
    assert set(by_ingestion) == set(by_walk) and by_ingestion["badge_id"] is None


async def test_channel_secrets_are_never_answered(
    api: Any, provider: Any, sessions: Any, workspace: str, settings: Any, graphql: Any
) -> None:
    tokens = {**SECRETS, "bot_token": "tg-bot-secret-7"}
    created = await _channel(api, "whatsapp", phone_number="+15550100", **tokens)
    listed = await api.get("/api/v1/channels")
    updated = await api.put(
        f"/api/v1/channels/{created['id']}", json={"configuration": {"access_token": "wa-access-8"}}
    )
    result = await graphql("{ channels { edges { node { configuration webhookUrl } } } }")
    answers = [created, listed.json(), updated.json(), result.data]
    for answer in answers:
        for secret in [*tokens.values(), "wa-access-8"]:
            assert secret not in json.dumps(answer)
    async with sessions() as session:
        stored = await session.scalar(
            select(m.Channel.configuration).where(m.Channel.workspace_id == workspace)
        )
    box = SecretBox.from_settings(settings)
    for key in ("webhook_verify_token", "app_secret", "bot_token"):
        assert stored[key].startswith("fernet:") and box.open(stored[key]) == tokens[key]
    assert box.open(stored["access_token"]) == "wa-access-8"
    assert not any(secret in json.dumps(stored) for secret in tokens.values())
