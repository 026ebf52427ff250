"""Sending a one-time campaign to its segment through the email adapter (SMTP or sandbox).

In batches: each batch's messages are first written `pending` (committed), then sent, then
settled, so a retried or restarted job never sends a lead the same campaign twice (a
message left `pending` by a dead worker is marked failed, not resent). A temporary refusal
(`deferred`) is tried again by a later run, up to MAX_ATTEMPTS; a bounce marks the lead
`bounced`. Each sent email records email.sent, each bounce email.bounced; when nothing is
left the campaign is `completed`. Every email carries its own open pixel (opens.py).

The same bookkeeping (`compose`, `claim_deferred`, `settle`) sends a sequence's steps
(sequences.py): one set of message records for every email the gateway sends a lead.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import jobs
from gateway.adapters import email as email_adapter
from gateway.adapters.email import Email, Sent
from gateway.jobs.runtime import Runtime
from gateway.organic import opens, segments
from gateway.organic.activity import record_activity
from gateway.organic.campaigns import QUEUE, SEND_TASK
from gateway.organic.unsubscribe import unsubscribe_url
from models.base import new_id, utcnow
from models.organic import EmailCampaign, Lead
from models.organic_work import EmailMessage
from subscriptions.events import CHANNEL

BATCH = 200
MAX_ATTEMPTS = 3
RETRY_DEFERRED = timedelta(minutes=15)
_TAGS = re.compile(r"<[^>]+>")

# One email.sent or email.bounced per settled message: a campaign's carry campaignId, a
# sequence step's carry sequenceId and stepId (and that step's subject).
_EVENTS = text(
    """
INSERT INTO events (workspace_id, id, type, subject, payload, created_at)
SELECT m.workspace_id, 'evt_' || substr(md5(random()::text || m.id), 1, 16),
       CASE m.status WHEN 'sent' THEN 'email.sent' ELSE 'email.bounced' END, m.id,
       CASE WHEN m.step_id IS NULL THEN jsonb_build_object('campaignId', m.campaign_id)
            ELSE jsonb_build_object('sequenceId', st.sequence_id, 'stepId', m.step_id) END
       || jsonb_build_object('leadId', m.lead_id, 'email', m.email,
         'messageId', m.message_id, 'subject', coalesce(st.subject, CAST(:subject AS text)),
         'reason', CASE WHEN m.status = 'bounced' THEN m.error END,
         'sentAt', to_char(m.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       clock_timestamp()
FROM email_messages m
LEFT JOIN sequence_steps st ON st.workspace_id = m.workspace_id AND st.id = m.step_id
WHERE m.workspace_id = :ws AND m.id = ANY(CAST(:ids AS text[])) AND m.status IN ('sent', 'bounced')
ORDER BY m.id
"""
)
# Every message of a batch settled in one statement, however many the batch holds.
_SETTLE = text(
    """
UPDATE email_messages m
SET status = r.status, message_id = r.message_id, error = r.error, sent_at = :now
FROM unnest(CAST(:ids AS text[]), CAST(:statuses AS text[]), CAST(:message_ids AS text[]),
            CAST(:errors AS text[])) AS r(id, status, message_id, error)
WHERE m.workspace_id = :ws AND m.id = r.id
"""
)


async def send_campaign(runtime: Runtime, workspace_id: str, campaign_id: str) -> str:
    async with runtime.sessions.begin() as session:
        campaign = await session.get(
            EmailCampaign, (workspace_id, campaign_id), with_for_update=True
        )
        if campaign is None or campaign.status not in ("scheduled", "active"):
            return "not due"
        if campaign.send_at and utcnow() < campaign.send_at:
            return "not due"
        campaign.status = "active"
        await session.execute(
            update(EmailMessage)
            .where(
                EmailMessage.workspace_id == workspace_id,
                EmailMessage.campaign_id == campaign_id,
                EmailMessage.status == "pending",
            )
            .values(status="failed", error="interrupted mid-send; not resent")
        )
        content, segment = dict(campaign.content), dict(campaign.segment)
    sender = email_adapter.from_settings(runtime.settings, runtime.sessions)
    total = 0
    while batch := await _claim(runtime, workspace_id, campaign_id, segment):
        results = [(m, await sender.send(compose(runtime, m, content))) for m in batch]
        total += await _settle(runtime, workspace_id, campaign_id, content, results)
    return await _close(runtime, workspace_id, campaign_id, total)


async def _claim(
    runtime: Runtime, workspace_id: str, campaign_id: str, segment: dict[str, Any]
) -> list[dict[str, Any]]:
    """The next batch, written `pending`: deferred messages due again, then new leads."""
    async with runtime.sessions.begin() as session:
        retried = await claim_deferred(
            session, workspace_id, EmailMessage.campaign_id == campaign_id
        )
        if retried:
            return retried
        sent_to = select(EmailMessage.lead_id).where(
            EmailMessage.workspace_id == workspace_id, EmailMessage.campaign_id == campaign_id
        )
        leads = (
            await session.execute(
                select(Lead.id, Lead.email, Lead.name)
                .where(
                    Lead.workspace_id == workspace_id,
                    *segments.conditions(segment),
                    Lead.id.not_in(sent_to),
                )
                .order_by(Lead.id)
                .limit(BATCH)
            )
        ).all()
        claimed = []
        for lead in leads:
            message = EmailMessage(
                workspace_id=workspace_id,
                id=new_id("msg"),
                campaign_id=campaign_id,
                lead_id=lead.id,
                email=lead.email,
                attempts=1,
            )
            session.add(message)
            claimed.append(
                {
                    "id": message.id,
                    "lead_id": lead.id,
                    "email": lead.email,
                    "name": lead.name,
                    "workspace_id": workspace_id,
                }
            )
        return claimed


async def claim_deferred(session: AsyncSession, workspace_id: str, scope: Any) -> list[dict]:
    """The `scope`'s messages refused for now and due again, written `pending` once more."""
    rows = (
        await session.execute(
            update(EmailMessage)
            .where(
                EmailMessage.workspace_id == workspace_id,
                scope,
                EmailMessage.status == "deferred",
                EmailMessage.attempts < MAX_ATTEMPTS,
                EmailMessage.sent_at <= utcnow() - RETRY_DEFERRED,
            )
            .values(status="pending", attempts=EmailMessage.attempts + 1)
            .returning(
                EmailMessage.id, EmailMessage.lead_id, EmailMessage.email, EmailMessage.step_id
            )
        )
    ).all()
    return await _with_names(session, workspace_id, rows) if rows else []


async def _with_names(session: AsyncSession, workspace_id: str, rows: Any) -> list[dict]:
    names = dict(
        (
            await session.execute(
                select(Lead.id, Lead.name).where(
                    Lead.workspace_id == workspace_id, Lead.id.in_([r.lead_id for r in rows])
                )
            )
        ).all()
    )
    return [
        {
            "id": r.id,
            "lead_id": r.lead_id,
            "email": r.email,
            "name": names.get(r.lead_id),
            "workspace_id": workspace_id,
            "step_id": r.step_id,
        }
        for r in rows
    ]


def compose(runtime: Runtime, message: dict[str, Any], content: dict[str, Any]) -> Email:
    """The email of `content` to one lead, personalised, with its unsubscribe link and the
    message's open pixel."""
    name = message["name"] or "there"

    def personal(value: str) -> str:
        return value.replace("{{name}}", name).replace("{{email}}", message["email"])

    html = content.get("html")
    plain = content.get("text") or _TAGS.sub("", html or "").strip() or content.get("subject", "")
    link = unsubscribe_url(runtime.settings, message["workspace_id"], message["lead_id"])
    return Email(
        workspace_id=message["workspace_id"],
        to=message["email"],
        subject=personal(str(content.get("subject") or "")),
        text=personal(str(plain)) + f"\n\nUnsubscribe: {link}",
        html=personal(html) if html else None,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        open_pixel=opens.pixel_url(runtime.settings, message["workspace_id"], message["id"]),
    )


async def _settle(
    runtime: Runtime,
    workspace_id: str,
    campaign_id: str,
    content: dict[str, Any],
    results: list[tuple[dict[str, Any], Sent]],
) -> int:
    async with runtime.sessions.begin() as session:
        sent = await settle(session, workspace_id, results, subject=content.get("subject"))
        await session.execute(
            update(EmailCampaign)
            .where(EmailCampaign.workspace_id == workspace_id, EmailCampaign.id == campaign_id)
            .values(sent=EmailCampaign.sent + sent, updated_at=utcnow())
        )
    return sent


async def settle(
    session: AsyncSession,
    workspace_id: str,
    results: list[tuple[dict[str, Any], Sent]],
    *,
    subject: str | None = None,
) -> int:
    """Record what the adapter answered for a batch (a fixed number of statements): the
    messages, the leads' sent counts and bounces, and one event per sent or bounced email.
    Returns how many were sent."""
    now = utcnow()
    await session.execute(
        _SETTLE,
        {
            "ws": workspace_id,
            "now": now,
            "ids": [m["id"] for m, _ in results],
            "statuses": [r.status for _, r in results],
            "message_ids": [r.message_id for _, r in results],
            "errors": [r.reason for _, r in results],
        },
    )
    sent_leads = [m["lead_id"] for m, r in results if r.status == "sent"]
    bounced_leads = [m["lead_id"] for m, r in results if r.status == "bounced"]
    if sent_leads:
        await session.execute(
            update(Lead)
            .where(Lead.workspace_id == workspace_id, Lead.id.in_(sent_leads))
            .values(emails_sent=Lead.emails_sent + 1)
        )
    if bounced_leads:
        await session.execute(
            update(Lead)
            .where(Lead.workspace_id == workspace_id, Lead.id.in_(bounced_leads))
            .values(status="bounced")
        )
    ids = [m["id"] for m, _ in results]
    await session.execute(_EVENTS, {"ws": workspace_id, "ids": ids, "subject": subject})
    await session.execute(text(f"SELECT pg_notify('{CHANNEL}', '')"))
    return len(sent_leads)


async def _close(runtime: Runtime, workspace_id: str, campaign_id: str, total: int) -> str:
    async with runtime.sessions.begin() as session:
        campaign = await session.get(
            EmailCampaign, (workspace_id, campaign_id), with_for_update=True
        )
        if campaign is None:
            return "gone"
        waiting = await session.scalar(
            select(EmailMessage.id)
            .where(
                EmailMessage.workspace_id == workspace_id,
                EmailMessage.campaign_id == campaign_id,
                EmailMessage.status == "deferred",
                EmailMessage.attempts < MAX_ATTEMPTS,
            )
            .limit(1)
        )
        if waiting:
            await jobs.defer(
                session,
                SEND_TASK,
                queue=QUEUE,
                args={"workspace_id": workspace_id, "campaign_id": campaign_id},
                schedule_at=utcnow() + RETRY_DEFERRED,
                lock=f"campaign:{workspace_id}:{campaign_id}",
            )
            return "waiting for deferred messages"
        await session.execute(
            update(EmailMessage)
            .where(
                EmailMessage.workspace_id == workspace_id,
                EmailMessage.campaign_id == campaign_id,
                EmailMessage.status == "deferred",
            )
            .values(status="failed", error="still deferred after the last attempt")
        )
        campaign.status, campaign.updated_at = "completed", utcnow()
        record_activity(
            session,
            workspace_id=workspace_id,
            type="campaign_sent",
            title="Email campaign sent",
            description=campaign.name,
            metadata={"campaignId": campaign.id, "sent": campaign.sent},
        )
    return f"completed ({total} sent this run)"
