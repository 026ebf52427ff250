"""Email opens: every email the gateway sends a lead (a campaign's or a sequence step's)
carries an open pixel, a 1x1 image at `PATH?t=<token>`; the token names the message and is
signed with the gateway's secret, so it cannot be guessed or made up for another message.

The first load of a message's pixel records the open, once per message, in one statement:
the message's `opened_at`, the lead's `emails_opened`, and its campaign's or step's
`opened`. Later loads, and tokens that are forged, altered or name no sent message, record
nothing. The route answers the same GIF either way (gateway/rest/organic/opens.py).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.signing_secret import purpose_mac, signing_secret
from gateway.settings import Settings

PATH = "/api/email/open"


class Opened(NamedTuple):
    workspace_id: str
    message_id: str


def _signature(settings: Settings, payload: bytes) -> str:
    digest = purpose_mac(signing_secret(settings), b"email open pixels", payload)[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token(settings: Settings, workspace_id: str, message_id: str) -> str:
    payload = f"{workspace_id}\n{message_id}".encode()
    named = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{named}.{_signature(settings, payload)}"


def pixel_url(settings: Settings, workspace_id: str, message_id: str) -> str:
    return f"{settings.public_base()}{PATH}?t={token(settings, workspace_id, message_id)}"


def read_token(settings: Settings, value: str) -> Opened | None:
    """The message a token names, or None when it is not one the gateway signed."""
    named, _, signature = value.partition(".")
    if not named or not signature or len(value) > 400:
        return None
    try:
        payload = base64.urlsafe_b64decode(named + "=" * (-len(named) % 4))
    except (binascii.Error, ValueError):
        return None
    if not hmac.compare_digest(_signature(settings, payload), signature):
        return None
    workspace_id, _, message_id = payload.decode(errors="replace").partition("\n")
    return Opened(workspace_id, message_id) if workspace_id and message_id else None


# A message is opened once: only the update that sets opened_at counts, and only a sent
# message can be opened. The counters move with it in the same statement.
_RECORD = text(
    """
WITH opened AS (
  UPDATE email_messages SET opened_at = now()
  WHERE workspace_id = :ws AND id = :id AND status = 'sent' AND opened_at IS NULL
  RETURNING workspace_id, lead_id, campaign_id, step_id
), leads AS (
  UPDATE leads l SET emails_opened = l.emails_opened + 1 FROM opened o
  WHERE l.workspace_id = o.workspace_id AND l.id = o.lead_id RETURNING 1
), campaigns AS (
  UPDATE email_campaigns c SET opened = c.opened + 1, updated_at = now() FROM opened o
  WHERE c.workspace_id = o.workspace_id AND c.id = o.campaign_id RETURNING 1
), steps AS (
  UPDATE sequence_steps s SET opened = s.opened + 1 FROM opened o
  WHERE s.workspace_id = o.workspace_id AND s.id = o.step_id RETURNING 1
)
SELECT count(*) FROM opened
"""
)


async def record_open(session: AsyncSession, settings: Settings, value: str) -> bool:
    """True if this load was the message's first open (and recorded it)."""
    named = read_token(settings, value)
    if named is None:
        return False
    found = await session.scalar(_RECORD, {"ws": named.workspace_id, "id": named.message_id})
    return bool(found)
