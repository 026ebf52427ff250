"""The real channel adapters (WhatsApp Cloud API, Telegram Bot API, FCM push) against a
local HTTP server on 127.0.0.1 speaking those APIs, and the delivery job retrying a message
the channel refused for a while."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.adapters import channels as adapters
from gateway.coaching import delivery
from gateway.secrets import SecretBox
from models import coaching as m
from tests.utils.jobs import run_due_jobs


@dataclass
class FakeProviders:
    status: int = 200  # what every call answers while not 200
    calls: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    async def _record(self, request: Request) -> dict[str, Any] | None:
        self.calls.append(
            {
                "path": request.url.path,
                "body": await request.json(),
                "authorization": request.headers.get("authorization"),
            }
        )
        return None if self.status == 200 else {"error": {"message": f"status {self.status}"}}

    async def whatsapp(self, request: Request) -> JSONResponse:
        error = await self._record(request)
        if error:
            return JSONResponse(error, status_code=self.status)
        n = len(self.calls)
        return JSONResponse({"messaging_product": "whatsapp", "messages": [{"id": f"wamid.{n}"}]})

    async def telegram(self, request: Request) -> JSONResponse:
        error = await self._record(request)
        if error:
            return JSONResponse({"ok": False, "description": "Bad Request"}, self.status)
        return JSONResponse({"ok": True, "result": {"message_id": 77, "date": 1709900000}})

    async def fcm(self, request: Request) -> JSONResponse:
        error = await self._record(request)
        if error:
            return JSONResponse(error, status_code=self.status)
        project = request.path_params["project"]
        return JSONResponse({"name": f"projects/{project}/messages/0:991"})


@contextlib.asynccontextmanager
async def fake_providers() -> AsyncIterator[FakeProviders]:
    fake = FakeProviders()
    app = Starlette(
        routes=[
            Route("/{number_id}/messages", fake.whatsapp, methods=["POST"]),
            Route("/{bot}/sendMessage", fake.telegram, methods=["POST"]),
            Route("/v1/projects/{project}/messages:send", fake.fcm, methods=["POST"]),
        ]
    )
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    fake.url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    try:
        yield fake
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def providers() -> AsyncIterator[FakeProviders]:
    async with fake_providers() as fake:
        yield fake


def _message(kind: str, to: str) -> adapters.OutboundMessage:
    return adapters.OutboundMessage(
        workspace_id="ws_x",
        message_id="6f1c0f7e-0000-4000-8000-000000000001",
        channel_type=kind,
        channel_id=None,
        channel_name="Coach Pia",
        to=to,
        text="Stretch now",
    )


async def test_whatsapp_cloud_api(providers: FakeProviders, settings: Any) -> None:
    box = SecretBox.from_settings(settings)
    sender = adapters.WhatsAppCloud(providers.url, box, 5)
    configuration = {"phone_number_id": "1071", "access_token": box.seal("wa-live-token")}
    delivered = await sender.send(_message("whatsapp", "15550123"), configuration)
    assert delivered == adapters.Delivered("wamid.1")
    (call,) = providers.calls
    assert call["path"] == "/1071/messages" and call["authorization"] == "Bearer wa-live-token"
    assert call["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "15550123",
        "type": "text",
        "text": {"preview_url": False, "body": "Stretch now"},
    }
    providers.status = 503
    with pytest.raises(adapters.ChannelError) as busy:
        await sender.send(_message("whatsapp", "15550123"), configuration)
    assert busy.value.temporary
    providers.status = 400
    with pytest.raises(adapters.ChannelError) as refused:
        await sender.send(_message("whatsapp", "15550123"), configuration)
    assert not refused.value.temporary
    with pytest.raises(adapters.ChannelError, match="access_token"):
        await sender.send(_message("whatsapp", "1"), {"phone_number_id": "1071"})


async def test_telegram_bot_api(providers: FakeProviders, settings: Any) -> None:
    box = SecretBox.from_settings(settings)
    sender = adapters.TelegramBot(providers.url, box, 5)
    delivered = await sender.send(
        _message("telegram", "4242"), {"bot_token": box.seal("123:tg-live")}
    )
    assert delivered == adapters.Delivered("77")
    (call,) = providers.calls
    assert call["path"] == "/bot123:tg-live/sendMessage"
    assert call["body"] == {"chat_id": "4242", "text": "Stretch now"}
    providers.status = 400
    with pytest.raises(adapters.ChannelError):
        await sender.send(_message("telegram", "4242"), {"bot_token": box.seal("123:tg-live")})


async def test_fcm_push(providers: FakeProviders, settings: Any) -> None:
    box = SecretBox.from_settings(settings)
    sender = adapters.FirebasePush(providers.url, box, 5)
    configuration = {"project_id": "coach-app", "access_token": box.seal("fcm-token")}
    delivered = await sender.send(_message("mobile", "device-token-1"), configuration)
    assert delivered.provider_message_id == "projects/coach-app/messages/0:991"
    (call,) = providers.calls
    assert call["authorization"] == "Bearer fcm-token"
    assert call["body"]["message"]["token"] == "device-token-1"
    assert call["body"]["message"]["notification"] == {"title": "Coach Pia", "body": "Stretch now"}


async def test_delivery_job_retries_until_the_channel_accepts(
    providers: FakeProviders,
    settings: Any,
    engine: Any,
    sessions: Any,
    workspace: str,
    upload: Any,
    graphql: Any,
) -> None:
    live = settings.model_copy(
        update={"channel_adapter": "live", "whatsapp_api_base_url": providers.url}
    )
    created = await graphql(
        'mutation($c: JSON) { createChannel(input: {channelType: WHATSAPP, channelName: "Line",'
        " configuration: $c}) { id } }",
        {"c": {"phone_number_id": "1071", "access_token": "wa-live-token"}},
    )
    assert created.errors is None, created.errors
    user_id = uuid.UUID("77777777-7777-4777-8777-777777777777")
    await upload(
        "end_users",
        [
            {
                "id": str(user_id),
                "external_id": "15550777",
                "channel": "whatsapp",
                "created_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    async with sessions.begin() as session:
        user = await session.get(m.EndUser, (workspace, user_id))
        message = await delivery.queue(session, user=user, text="Day one", program_id=None)

    async def stored() -> m.ChannelMessage:
        async with sessions() as session:
            return await session.get(m.ChannelMessage, (workspace, message.id))

    providers.status = 503
    await run_due_jobs(engine, live, queues=["coaching"])
    first = await stored()
    assert (first.status, first.attempts, first.error) == ("pending", 1, "HTTP 503")
    providers.status = 200
    async with sessions.begin() as session:  # the retry's wait, passed
        retried = await session.execute(
            text(
                "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
                "AND args->>'message_id' = :id"
            ),
            {"id": str(message.id)},
        )
    assert retried.rowcount == 1
    await run_due_jobs(engine, live, queues=["coaching"])
    sent = await stored()
    assert (sent.status, sent.attempts, sent.provider_message_id) == ("sent", 2, "wamid.2")
    assert [c["body"]["text"]["body"] for c in providers.calls] == ["Day one", "Day one"]
    await run_due_jobs(engine, live, queues=["coaching"])
    assert len(providers.calls) == 2  # sent once it was accepted, never again


async def test_sandbox_records_and_fails_for_reserved_recipients(
    settings: Any, sessions: Any, workspace: str
) -> None:
    from gateway.adapters import sandbox

    sender = adapters.for_channel(settings, "telegram", sessions)
    assert isinstance(sender, adapters.SandboxChannel)
    message = adapters.OutboundMessage(workspace, "m-1", "telegram", None, None, "4242", "Hi")
    assert (await sender.send(message, {})).provider_message_id == "telegram-m-1"
    with pytest.raises(adapters.ChannelError) as busy:
        await sender.send(
            adapters.OutboundMessage(
                workspace, "m-2", "telegram", None, None, "unreachable-1", "Hi"
            ),
            {},
        )
    assert busy.value.temporary
    calls = await sandbox.calls(sessions, workspace, "channel:telegram")
    assert [c.payload["to"] for c in calls] == ["4242", "unreachable-1"]
