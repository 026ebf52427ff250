"""Spec 003 email marketing: campaigns with their totals, sequences with their steps and
enrollment counts. Leads are in organic_leads.py."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

import strawberry
from sqlalchemy import func, select
from strawberry.scalars import JSON

from models import organic as m
from models.organic_work import EmailMessage
from resolvers.context import Info
from resolvers.node import Node, from_row, register_node
from resolvers.pagination import Connection, SortDirection, SortKey, paginate


@strawberry.enum
class CampaignType(Enum):
    ONE_TIME = "one-time"
    SEQUENCE = "sequence"
    TRIGGERED = "triggered"


@strawberry.enum
class EmailCampaignStatus(Enum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


@strawberry.enum
class SequenceStatus(Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


@strawberry.type(description="A campaign's totals; rates are fractions of `sent`.")
class EmailCampaignMetrics:
    sent: int
    opened: int
    clicked: int
    converted: int

    @strawberry.field
    def open_rate(self) -> float:
        return _rate(self.opened, self.sent)

    @strawberry.field
    def click_rate(self) -> float:
        return _rate(self.clicked, self.sent)

    @strawberry.field
    def conversion_rate(self) -> float:
        return _rate(self.converted, self.sent)


@strawberry.type
class EmailCampaign(Node):
    id: strawberry.ID
    name: str
    type: CampaignType
    status: EmailCampaignStatus
    segment: JSON
    content: JSON
    send_at: dt.datetime | None
    recipient_count: int
    metrics: EmailCampaignMetrics
    created_at: dt.datetime
    updated_at: dt.datetime


def email_campaign(row: m.EmailCampaign) -> EmailCampaign:
    # The totals are columns of the campaign row: no statement beyond the campaign's own.
    metrics = EmailCampaignMetrics(
        sent=row.sent, opened=row.opened, clicked=row.clicked, converted=row.converted
    )
    return from_row(
        EmailCampaign,
        row,
        type=CampaignType(row.type),
        status=EmailCampaignStatus(row.status),
        metrics=metrics,
    )


@strawberry.type
class SequenceStep(Node):
    id: strawberry.ID
    sequence_id: strawberry.ID
    position: int
    name: str
    delay_seconds: int = strawberry.field(description="Wait after the previous step.")
    subject: str | None
    content: JSON
    condition: JSON | None
    opened: int = strawberry.field(
        description="Leads who opened this step's email (its open pixel, once per lead).",
        default=0,
    )


@strawberry.type(description="Enrollments by their current status, and the emails sent.")
class SequenceMetrics:
    enrolled: int = strawberry.field(description="Every lead ever enrolled, whatever status.")
    completed: int = strawberry.field(description="Finished the sequence without converting.")
    converted: int
    stopped: int = strawberry.field(
        description="Left before the last step: unsubscribed or bounced.", default=0
    )
    sent: int = strawberry.field(
        description="Emails of its steps the email adapter accepted.", default=0
    )
    opened: int = strawberry.field(
        description="Of those, the emails opened (their open pixel loaded).", default=0
    )
    skipped: int = strawberry.field(
        description="Steps not sent because the lead did not meet their condition.", default=0
    )

    @strawberry.field(description="`opened` / `sent`.")
    def open_rate(self) -> float:
        return _rate(self.opened, self.sent)


async def load_sequence_metrics(session: Any, keys: list[str], workspace_id: str) -> list[Any]:
    e, step = m.SequenceEnrollment, m.SequenceStep
    wanted = set(keys)
    rows = await session.execute(
        select(
            e.sequence_id,
            func.count().label("enrolled"),
            func.count().filter(e.status == "completed").label("completed"),
            func.count().filter(e.status == "converted").label("converted"),
            func.count().filter(e.status == "stopped").label("stopped"),
        )
        .where(e.workspace_id == workspace_id, e.sequence_id.in_(wanted))
        .group_by(e.sequence_id)
    )
    counts = {row.sequence_id: row for row in rows}
    sent = EmailMessage.status == "sent"
    emails = {
        row.sequence_id: row
        for row in await session.execute(
            select(
                step.sequence_id,
                func.count().filter(sent).label("sent"),
                func.count().filter(sent, EmailMessage.opened_at.is_not(None)).label("opened"),
                func.count().filter(EmailMessage.status == "skipped").label("skipped"),
            )
            .join(
                EmailMessage,
                (EmailMessage.workspace_id == step.workspace_id)
                & (EmailMessage.step_id == step.id),
            )
            .where(
                step.workspace_id == workspace_id,
                step.sequence_id.in_(wanted),
                EmailMessage.status.in_(("sent", "skipped")),
            )
            .group_by(step.sequence_id)
        )
    }
    return [
        SequenceMetrics(
            enrolled=row.enrolled if (row := counts.get(key)) else 0,
            completed=row.completed if row else 0,
            converted=row.converted if row else 0,
            stopped=row.stopped if row else 0,
            sent=mail.sent if (mail := emails.get(key)) else 0,
            opened=mail.opened if mail else 0,
            skipped=mail.skipped if mail else 0,
        )
        for key in keys
    ]


_STEP_ORDER = (m.SequenceStep.position.asc(), m.SequenceStep.id.asc())


@strawberry.type
class EmailSequence(Node):
    id: strawberry.ID
    name: str
    status: SequenceStatus
    trigger: JSON
    created_at: dt.datetime
    updated_at: dt.datetime

    @strawberry.field(description="In position order.")
    async def steps(self, info: Info) -> list[SequenceStep]:
        loader = info.context.loaders.children(m.SequenceStep, "sequence_id", order_by=_STEP_ORDER)
        return [from_row(SequenceStep, row) for row in await loader.load(self.id)]

    @strawberry.field
    async def metrics(self, info: Info) -> SequenceMetrics:
        loader = info.context.loaders.custom("sequence_metrics", load_sequence_metrics)
        return await loader.load(self.id)


def email_sequence(row: m.EmailSequence) -> EmailSequence:
    return from_row(EmailSequence, row, status=SequenceStatus(row.status))


def _newest_first(model: Any, first: int | None, after: str | None) -> dict[str, Any]:
    return {
        "sort": SortKey(model.created_at, model.id, dt.datetime),
        "direction": SortDirection.DESC,
        "first": first,
        "after": after,
    }


@strawberry.type
class Query:
    @strawberry.field
    async def email_campaign(self, info: Info, id: strawberry.ID) -> EmailCampaign | None:
        return await _email_campaign(info, id)

    @strawberry.field(description="Email campaigns, newest first.")
    async def email_campaigns(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        type: CampaignType | None = None,
        status: EmailCampaignStatus | None = None,
    ) -> Connection[EmailCampaign]:
        c = m.EmailCampaign
        statement = info.context.scope.select(c)
        if type is not None:
            statement = statement.where(c.type == type.value)
        if status is not None:
            statement = statement.where(c.status == status.value)
        return await paginate(
            info.context.sessions,
            statement,
            to_node=lambda row: email_campaign(row[0]),
            **_newest_first(c, first, after),
        )

    @strawberry.field
    async def email_sequence(self, info: Info, id: strawberry.ID) -> EmailSequence | None:
        return await _email_sequence(info, id)

    @strawberry.field(description="Email sequences, newest first.")
    async def email_sequences(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: SequenceStatus | None = None,
    ) -> Connection[EmailSequence]:
        s = m.EmailSequence
        statement = info.context.scope.select(s)
        if status is not None:
            statement = statement.where(s.status == status.value)
        return await paginate(
            info.context.sessions,
            statement,
            to_node=lambda row: email_sequence(row[0]),
            **_newest_first(s, first, after),
        )


async def _email_campaign(info: Info, node_id: str) -> EmailCampaign | None:
    row = await info.context.loaders.by_id(m.EmailCampaign).load(node_id)
    return email_campaign(row) if row else None


async def _email_sequence(info: Info, node_id: str) -> EmailSequence | None:
    row = await info.context.loaders.by_id(m.EmailSequence).load(node_id)
    return email_sequence(row) if row else None


async def _sequence_step(info: Info, node_id: str) -> SequenceStep | None:
    row = await info.context.loaders.by_id(m.SequenceStep).load(node_id)
    return from_row(SequenceStep, row) if row else None


# Spec 004's ad campaigns also use `camp_`: node() tries each resolver of the prefix.
register_node("camp", _email_campaign)
register_node("seq", _email_sequence)
register_node("step", _sequence_step)
