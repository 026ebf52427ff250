"""Unsubscribing a lead: by the signed link every campaign email carries (List-Unsubscribe,
one-click per RFC 8058), or by a member through the graph. The lead becomes
`unsubscribed` and lead.unsubscribed is recorded, once."""

from __future__ import annotations

import hmac
from urllib.parse import urlencode

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.signing_secret import purpose_mac, signing_secret
from gateway.settings import Settings
from models.organic import Lead
from subscriptions.events import record_event

PATH = "/api/email/unsubscribe"


def _signature(settings: Settings, workspace_id: str, lead_id: str) -> str:
    message = f"{workspace_id}\n{lead_id}".encode()
    return purpose_mac(signing_secret(settings), b"lead unsubscribe links", message).hex()


def unsubscribe_url(settings: Settings, workspace_id: str, lead_id: str) -> str:
    base = settings.public_base()
    query = {
        "ws": workspace_id,
        "lead": lead_id,
        "sig": _signature(settings, workspace_id, lead_id),
    }
    return f"{base}{PATH}?{urlencode(query)}"


def valid_link(settings: Settings, workspace_id: str, lead_id: str, signature: str) -> bool:
    return hmac.compare_digest(_signature(settings, workspace_id, lead_id), signature)


async def unsubscribe(session: AsyncSession, *, workspace_id: str, lead_id: str) -> bool:
    """True if the lead exists (whether or not it was already unsubscribed)."""
    changed = (
        await session.execute(
            update(Lead)
            .where(
                Lead.workspace_id == workspace_id, Lead.id == lead_id, Lead.status != "unsubscribed"
            )
            .values(status="unsubscribed")
            .returning(Lead.email)
        )
    ).scalar_one_or_none()
    if changed is not None:
        await record_event(
            session,
            workspace_id=workspace_id,
            type="lead.unsubscribed",
            payload={"leadId": lead_id, "email": changed},
            subject=lead_id,
        )
        return True
    return await session.get(Lead, (workspace_id, lead_id)) is not None
