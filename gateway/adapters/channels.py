"""Sending a spec 002 message to an end user through their channel, behind one Protocol.

- `web` (the website widget) is served by the gateway itself: the message is already
  stored (models.coaching.ChannelMessage) and the widget fetches it
  (gateway/coaching/webhook_routes.py), so sending only marks it delivered. Always live.
- `whatsapp` (WhatsApp Cloud API), `telegram` (Bot API) and `mobile` (Firebase Cloud
  Messaging HTTP v1 push) have a real adapter on httpx, base URLs from settings, and a
  sandbox that records each call (models/sandbox.py); CHANNEL_ADAPTER picks one
  ("sandbox" by default). The sandbox fails temporarily for a recipient whose id starts
  with `unreachable-` and for good for one starting with `blocked-`, so both outcomes can
  be shown and tested.

The channel's configuration arrives still sealed (gateway/secrets.py); a real adapter
opens the token it needs inside `send`, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from gateway.adapters import sandbox
from gateway.secrets import SecretBox, SecretUnreadable

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from gateway.settings import Settings

UNREACHABLE_PREFIX = "unreachable-"
BLOCKED_PREFIX = "blocked-"


@dataclass(frozen=True)
class OutboundMessage:
    workspace_id: str
    message_id: str  # ours; also the idempotency key where a provider takes one
    channel_type: str
    channel_id: str | None
    channel_name: str | None
    to: str  # the end user's external_id: a WhatsApp number, a Telegram chat id, a device
    text: str


@dataclass(frozen=True)
class Delivered:
    provider_message_id: str


class ChannelError(Exception):
    """The channel refused the message; `temporary` ones are retried by the job engine."""

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


class ChannelSender(Protocol):
    name: str

    async def send(
        self, message: OutboundMessage, configuration: Mapping[str, Any]
    ) -> Delivered: ...


class WebWidget:
    """The widget polls the stored conversation: the message is there once it is stored."""

    name = "web"

    async def send(self, message: OutboundMessage, configuration: Mapping[str, Any]) -> Delivered:
        return Delivered(message.message_id)


class SandboxChannel:
    def __init__(self, channel_type: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.name, self.sessions = f"sandbox:{channel_type}", sessions

    async def send(self, message: OutboundMessage, configuration: Mapping[str, Any]) -> Delivered:
        if message.to.startswith(BLOCKED_PREFIX):
            await self._record(message, {"error": "blocked"})
            raise ChannelError(f"{message.channel_type} refused recipient {message.to}")
        if message.to.startswith(UNREACHABLE_PREFIX):
            await self._record(message, {"error": "unavailable"})
            raise ChannelError(f"{message.channel_type} is unavailable (503)", temporary=True)
        delivered = Delivered(f"{message.channel_type}-{message.message_id}")
        await self._record(message, asdict(delivered))
        return delivered

    async def _record(self, message: OutboundMessage, outcome: dict[str, Any]) -> None:
        await sandbox.record(
            self.sessions,
            workspace_id=message.workspace_id,
            adapter=f"channel:{message.channel_type}",
            action="send",
            payload=asdict(message),
            outcome=outcome,
        )


class _HttpChannel:
    """What the three provider APIs share: a bearer or path token, JSON in, JSON out."""

    name = "live"

    def __init__(self, base_url: str, box: SecretBox, timeout: float) -> None:
        self.base_url, self.box, self.timeout = base_url.rstrip("/"), box, timeout

    def _secret(self, configuration: Mapping[str, Any], *keys: str) -> str:
        for key in keys:
            sealed = configuration.get(key)
            if isinstance(sealed, str) and sealed:
                try:
                    return self.box.open(sealed)
                except SecretUnreadable as exc:
                    raise ChannelError(f"configuration.{key} cannot be opened: {exc}") from None
        raise ChannelError(f"the channel's configuration has no {' or '.join(keys)}")

    @staticmethod
    def _setting(configuration: Mapping[str, Any], key: str) -> str:
        value = configuration.get(key)
        if value in (None, ""):
            raise ChannelError(f"the channel's configuration has no {key}")
        return str(value)

    async def _post(self, url: str, body: dict[str, Any], token: str | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise ChannelError(f"{type(exc).__name__}: {exc}", temporary=True) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise ChannelError(f"HTTP {response.status_code}", temporary=True)
        if response.status_code >= 400:
            raise ChannelError(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            return response.json()
        except ValueError:
            raise ChannelError("the provider answered something other than JSON") from None


class WhatsAppCloud(_HttpChannel):
    """POST /{phone_number_id}/messages with the business's access token."""

    async def send(self, message: OutboundMessage, configuration: Mapping[str, Any]) -> Delivered:
        number_id = self._setting(configuration, "phone_number_id")
        token = self._secret(configuration, "access_token")
        answer = await self._post(
            f"{self.base_url}/{number_id}/messages",
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": message.to,
                "type": "text",
                "text": {"preview_url": False, "body": message.text},
            },
            token,
        )
        try:
            return Delivered(str(answer["messages"][0]["id"]))
        except (KeyError, IndexError, TypeError):
            raise ChannelError("WhatsApp answered no message id") from None


class TelegramBot(_HttpChannel):
    """POST /bot{token}/sendMessage (the Bot API puts the token in the path)."""

    async def send(self, message: OutboundMessage, configuration: Mapping[str, Any]) -> Delivered:
        token = self._secret(configuration, "bot_token", "access_token")
        answer = await self._post(
            f"{self.base_url}/bot{token}/sendMessage",
            {"chat_id": message.to, "text": message.text},
            None,
        )
        if not answer.get("ok"):
            raise ChannelError(f"Telegram refused the message: {answer.get('description')}")
        return Delivered(str(answer["result"]["message_id"]))


class FirebasePush(_HttpChannel):
    """POST /v1/projects/{project_id}/messages:send to the user's device token."""

    async def send(self, message: OutboundMessage, configuration: Mapping[str, Any]) -> Delivered:
        project = self._setting(configuration, "project_id")
        token = self._secret(configuration, "access_token")
        answer = await self._post(
            f"{self.base_url}/v1/projects/{project}/messages:send",
            {
                "message": {
                    "token": message.to,
                    "notification": {"title": message.channel_name or "", "body": message.text},
                    "data": {"message_id": message.message_id},
                }
            },
            token,
        )
        if "name" not in answer:
            raise ChannelError("FCM answered no message name")
        return Delivered(str(answer["name"]))


def for_channel(
    settings: Settings, channel_type: str, sessions: async_sessionmaker[AsyncSession]
) -> ChannelSender:
    if channel_type == "web":
        return WebWidget()
    if settings.channel_adapter != "live":
        return SandboxChannel(channel_type, sessions)
    box, timeout = SecretBox.from_settings(settings), settings.channel_timeout_seconds
    if channel_type == "whatsapp":
        return WhatsAppCloud(settings.whatsapp_api_base_url, box, timeout)
    if channel_type == "telegram":
        return TelegramBot(settings.telegram_api_base_url, box, timeout)
    if channel_type == "mobile":
        return FirebasePush(settings.fcm_api_base_url, box, timeout)
    raise ValueError(f"no adapter for channel type {channel_type!r}")
