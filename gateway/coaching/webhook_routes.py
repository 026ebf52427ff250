"""The channels' own endpoints, outside spec 002's /api/v1 (they are called by providers and
by the widget, never by a creator's client), at the webhook_url a channel is created with:

- `GET  /webhooks/whatsapp/{channel_id}`: WhatsApp's subscription handshake.
- `POST /webhooks/{whatsapp|telegram|mobile}/{channel_id}`: incoming messages, checked as
  the provider signs them (gateway/adapters/channel_inbound.py); answers `{"received": n}`.
- `POST /webhooks/web/{channel_id}`: a widget visitor writes `{"text", "name"?,
  "visitor_id"?, "visitor_token"?}`; the first message (no visitor_id) makes a visitor and
  answers its `visitor_id` and `visitor_token`, which every later call must carry.
- `GET  /webhooks/web/{channel_id}/messages?visitor_id=&visitor_token=&after=`: the
  visitor's conversation, oldest first (`after`: only messages created after that ISO
  time), what the widget polls: `{"messages": [{"id", "direction", "text", "created_at"}]}`.

These are protocol endpoints, so they call the domain code (gateway/coaching/inbound.py)
directly; no principal is involved, the channel's secret or the visitor token is the proof.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from gateway.adapters import channel_inbound as providers
from gateway.auth.signing_secret import signing_secret
from gateway.coaching import inbound
from gateway.errors import error_response
from gateway.secrets import SecretBox
from models.coaching import Channel, ChannelMessage, EndUser

MAX_TEXT = 4096
_PARSERS: dict[str, Callable[..., list[providers.Inbound]]] = {
    "whatsapp": providers.whatsapp,
    "telegram": providers.telegram,
    "mobile": providers.gateway_form,
}


async def _channels(request: Request, channel_type: str) -> list[Channel]:
    try:
        key = uuid.UUID(request.path_params["channel_id"])
    except ValueError:
        return []
    async with request.app.state.sessions() as session:
        rows = await session.scalars(
            select(Channel)
            .where(Channel.id == key, Channel.channel_type == channel_type)
            .order_by(Channel.created_at)
        )
        return list(rows)


def _not_found(request: Request) -> Response:
    return error_response(request.scope, 404, "Channel not found")


async def whatsapp_handshake(request: Request) -> Response:
    box = SecretBox.from_settings(request.app.state.settings)
    refused: providers.Refused | None = None
    for channel in await _channels(request, "whatsapp"):
        try:
            challenge = providers.verify_subscription(
                box, channel.configuration, request.query_params
            )
        except providers.Refused as exc:
            refused = exc
            continue
        async with request.app.state.sessions.begin() as session:
            row = await session.get(Channel, (channel.workspace_id, channel.id))
            if row is not None and row.status == "pending_verification":
                row.status = "active"
        return PlainTextResponse(challenge)
    if refused is None:
        return _not_found(request)
    return error_response(request.scope, refused.status, str(refused))


async def provider_message(request: Request) -> Response:
    channel_type = request.path_params["channel_type"]
    parse = _PARSERS.get(channel_type)
    if parse is None:
        return _not_found(request)
    settings = request.app.state.settings
    box, body = SecretBox.from_settings(settings), await request.body()
    refused: providers.Refused | None = None
    for channel in await _channels(request, channel_type):
        reader = parse
        if settings.channel_adapter == "sandbox" and _is_gateway_form(body):
            reader = providers.gateway_form
        try:
            messages = reader(box, channel.configuration, request.headers, body)
        except providers.Refused as exc:
            refused = exc
            continue
        await _store(request, channel, messages)
        return JSONResponse({"received": len(messages)})
    if refused is None:
        return _not_found(request)
    return error_response(request.scope, refused.status, str(refused))


def _is_gateway_form(body: bytes) -> bool:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(payload, dict) and isinstance(payload.get("messages"), list)


async def _store(
    request: Request, channel: Channel, messages: list[providers.Inbound]
) -> list[inbound.Received]:
    async with request.app.state.sessions.begin() as session:
        row = await session.get(Channel, (channel.workspace_id, channel.id), with_for_update=True)
        assert row is not None
        return [await inbound.receive(session, row, m) for m in messages]


def visitor_token(settings: Any, channel: Channel, visitor_id: str) -> str:
    """Proves a widget visitor is the one the gateway named (no one reads another's chat)."""
    message = f"widget:{channel.workspace_id}:{channel.id}:{visitor_id}".encode()
    return hmac.new(signing_secret(settings).encode(), message, hashlib.sha256).hexdigest()


def _visitor_of(settings: Any, channels: list[Channel], visitor: Any, token: Any) -> Any:
    if not isinstance(visitor, str) or not isinstance(token, str):
        return None
    for channel in channels:
        if hmac.compare_digest(visitor_token(settings, channel, visitor), token):
            return channel
    return None


async def widget_message(request: Request) -> Response:
    settings = request.app.state.settings
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    # The message is checked before the channel is looked up: a known and an unknown
    # channel id answer a malformed message alike.
    if not isinstance(body, dict) or not isinstance(text, str) or not text.strip():
        details = [{"field": "text", "message": f"a text of 1 to {MAX_TEXT} characters"}]
        return error_response(request.scope, 422, "A message needs a text", details=details)
    if len(text) > MAX_TEXT:
        details = [{"field": "text", "message": f"a text of 1 to {MAX_TEXT} characters"}]
        return error_response(request.scope, 422, "The message is too long", details=details)
    channels = [c for c in await _channels(request, "web") if c.status == "active"]
    if not channels:
        return _not_found(request)
    visitor = body.get("visitor_id")
    if visitor is None:
        channel, visitor = channels[0], f"visitor-{uuid.uuid4().hex}"
    else:
        channel = _visitor_of(settings, channels, visitor, body.get("visitor_token"))
        if channel is None:
            return error_response(request.scope, 401, "Unknown visitor or wrong visitor_token")
    name = body.get("name") if isinstance(body.get("name"), str) else None
    message = providers.Inbound(external_id=visitor, text=text, provider_message_id=None, name=name)
    (received,) = await _store(request, channel, [message])
    return JSONResponse(
        {
            "visitor_id": visitor,
            "visitor_token": visitor_token(settings, channel, visitor),
            "message_id": str(received.message_id),
        },
        status_code=201,
    )


async def widget_messages(request: Request) -> Response:
    settings, params = request.app.state.settings, request.query_params
    visitor = params.get("visitor_id")
    if not visitor or not params.get("visitor_token"):
        return error_response(request.scope, 401, "A visitor_id and its visitor_token are needed")
    channels = await _channels(request, "web")
    channel = _visitor_of(settings, channels, visitor, params.get("visitor_token"))
    if channel is None:
        return error_response(request.scope, 401, "Unknown visitor or wrong visitor_token")
    after = None
    if params.get("after"):
        try:
            after = datetime.fromisoformat(params["after"].replace("Z", "+00:00"))
        except ValueError:
            details = [{"field": "after", "message": "an ISO 8601 date-time"}]
            return error_response(request.scope, 422, "Invalid after", details=details)
    ws, cm = channel.workspace_id, ChannelMessage
    async with request.app.state.sessions() as session:
        statement = (
            select(cm.id, cm.direction, cm.text, cm.created_at)
            .join(EndUser, (EndUser.workspace_id == cm.workspace_id) & (EndUser.id == cm.user_id))
            .where(cm.workspace_id == ws, EndUser.channel == "web", EndUser.external_id == visitor)
            # What the widget shows: what the visitor wrote, and what was delivered to them.
            .where(cm.status.in_(("sent", "received")))
            .order_by(cm.created_at, cm.id)
            .limit(200)
        )
        if after is not None:
            statement = statement.where(cm.created_at > after)
        rows = (await session.execute(statement)).all()
    return JSONResponse(
        {
            "messages": [
                {
                    "id": str(r.id),
                    "direction": r.direction,
                    "text": r.text,
                    "created_at": _exact(r.created_at),
                }
                for r in rows
            ]
        }
    )


def _exact(moment: datetime) -> str:
    """Microseconds kept: the widget hands the last one back as `after`."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


routes = [
    Route("/webhooks/web/{channel_id}/messages", widget_messages, methods=["GET"]),
    Route("/webhooks/web/{channel_id}", widget_message, methods=["POST"]),
    Route("/webhooks/whatsapp/{channel_id}", whatsapp_handshake, methods=["GET"]),
    Route("/webhooks/{channel_type}/{channel_id}", provider_message, methods=["POST"]),
]
