"""Incoming channel messages: each provider's proof that a webhook is its own, and its
payload read into plain `Inbound` messages (gateway/coaching/inbound.py stores them).

- WhatsApp Cloud API: the subscription handshake (GET with hub.mode=subscribe, the
  channel's webhook_verify_token, and hub.challenge echoed back), then POSTs signed with
  `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>`
  (configuration.app_secret); a channel without an app_secret receives nothing.
- Telegram Bot API: the `secret_token` given to setWebhook comes back in
  `X-Telegram-Bot-Api-Secret-Token` (configuration.webhook_verify_token).
- The gateway form (mobile apps, and every channel type with CHANNEL_ADAPTER=sandbox, for
  the demo and tests): `{"messages": [{"id", "external_id", "text", "name"?,
  "escalate"?}]}` signed as WhatsApp signs, with the channel's webhook_verify_token.

Secrets are compared in constant time; sealed ones are opened only here, to check.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from gateway.secrets import SecretBox, SecretUnreadable

SIGNATURE_HEADER = "x-hub-signature-256"
TELEGRAM_HEADER = "x-telegram-bot-api-secret-token"
MAX_MESSAGES = 100


@dataclass(frozen=True)
class Inbound:
    external_id: str  # who wrote: a WhatsApp number, a Telegram chat id, a device id
    text: str
    provider_message_id: str | None
    name: str | None = None
    sent_at: datetime | None = None
    escalate: bool = False


class Refused(Exception):
    """Not the provider's (bad or missing signature, token or body): answer 401/403/422."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _opened(box: SecretBox, configuration: Mapping[str, Any], key: str) -> str | None:
    sealed = configuration.get(key)
    if not isinstance(sealed, str) or not sealed:
        return None
    try:
        return box.open(sealed)
    except SecretUnreadable:
        return None


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _check_signature(secret: str | None, body: bytes, given: str | None, what: str) -> None:
    if secret is None:
        raise Refused(403, f"the channel has no {what}: it cannot receive messages")
    if not given or not hmac.compare_digest(signature(secret, body), given.strip()):
        raise Refused(401, "invalid signature")


def verify_subscription(
    box: SecretBox, configuration: Mapping[str, Any], params: Mapping[str, str]
) -> str:
    """WhatsApp's handshake: the challenge to echo, or Refused."""
    expected = _opened(box, configuration, "webhook_verify_token")
    given = params.get("hub.verify_token", "")
    if params.get("hub.mode") != "subscribe" or "hub.challenge" not in params:
        raise Refused(422, "expected hub.mode=subscribe with a hub.challenge")
    if expected is None or not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(403, "verify token mismatch")
    return params["hub.challenge"]


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Refused(422, "the body is not JSON") from None


def _at(seconds: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(seconds), UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def whatsapp(
    box: SecretBox, configuration: Mapping[str, Any], headers: Mapping[str, str], body: bytes
) -> list[Inbound]:
    secret = _opened(box, configuration, "app_secret")
    _check_signature(secret, body, headers.get(SIGNATURE_HEADER), "app_secret")
    payload = _json(body)
    found: list[Inbound] = []
    for entry in payload.get("entry") or [] if isinstance(payload, dict) else []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            names = {
                c.get("wa_id"): (c.get("profile") or {}).get("name")
                for c in value.get("contacts") or []
            }
            for message in value.get("messages") or []:
                sender = str(message.get("from") or "")
                if not sender:
                    continue
                kind = message.get("type")
                text = (message.get("text") or {}).get("body") if kind == "text" else None
                found.append(
                    Inbound(
                        external_id=sender,
                        text=text if isinstance(text, str) else f"[{kind}]",
                        provider_message_id=message.get("id"),
                        name=names.get(sender),
                        sent_at=_at(message.get("timestamp")),
                    )
                )
    return found


def telegram(
    box: SecretBox, configuration: Mapping[str, Any], headers: Mapping[str, str], body: bytes
) -> list[Inbound]:
    expected = _opened(box, configuration, "webhook_verify_token")
    given = headers.get(TELEGRAM_HEADER, "")
    if expected is None:
        raise Refused(403, "the channel has no webhook_verify_token: it cannot receive messages")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Refused(401, "invalid secret token")
    update = _json(body)
    message = (
        (update.get("message") or update.get("edited_message"))
        if isinstance(update, dict)
        else None
    )
    if not isinstance(message, dict) or "chat" not in message:
        return []  # other update kinds (callbacks, member changes) carry no message
    person = message.get("from") or {}
    name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
    return [
        Inbound(
            external_id=str(message["chat"].get("id")),
            text=message.get("text") or "[non-text message]",
            provider_message_id=f"{update.get('update_id')}:{message.get('message_id')}",
            name=name or person.get("username"),
            sent_at=_at(message.get("date")),
        )
    ]


def gateway_form(
    box: SecretBox, configuration: Mapping[str, Any], headers: Mapping[str, str], body: bytes
) -> list[Inbound]:
    secret = _opened(box, configuration, "webhook_verify_token")
    _check_signature(secret, body, headers.get(SIGNATURE_HEADER), "webhook_verify_token")
    payload = _json(body)
    messages = payload.get("messages") if isinstance(payload, dict) else None
    if not isinstance(messages, list):
        raise Refused(422, 'expected {"messages": [...]}')
    # Each message is a few writes (user, interaction, events): one call carries a bounded
    # number of them, as the providers' own webhooks do.
    if len(messages) > MAX_MESSAGES:
        raise Refused(422, f"at most {MAX_MESSAGES} messages a call")
    found = []
    for n, m in enumerate(messages):
        if (
            not isinstance(m, dict)
            or not m.get("external_id")
            or not isinstance(m.get("text"), str)
        ):
            raise Refused(422, f"messages[{n}] needs an external_id and a text")
        found.append(
            Inbound(
                external_id=str(m["external_id"]),
                text=m["text"],
                provider_message_id=str(m["id"]) if m.get("id") is not None else None,
                name=m.get("name") if isinstance(m.get("name"), str) else None,
                escalate=m.get("escalate") is True,
            )
        )
    return found
