"""Spec 003 email marketing: campaigns, sequences and their steps, leads, enrollments.

Leads are identified by their email, not their id: the legacy import (`POST
/api/email/leads/import`) has no ids, and re-importing a list must update the leads it
already holds, not duplicate them or fail on the (workspace, email) unique constraint. So
the conflict key is the lower-cased email, and a lead sent without an id gets one derived
from that email, which keeps its id stable across re-imports (a random id would replace
the stored one each time).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from gateway.ingestion.organic import prefixed_id, with_updated_at
from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from gateway.organic import enrolment
from models import organic as m
from subscriptions import organic_events as ev

# The WHATWG rule browsers apply to <input type=email>, plus a dot in the domain.
EMAIL = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def lead_id_for(email: str) -> str:
    return "lead_" + hashlib.sha256(email.encode()).hexdigest()[:16]


class CampaignRecord(Record):
    id: str | None = prefixed_id("camp")
    name: str = Field(min_length=1, max_length=200)
    type: Literal["one-time", "sequence", "triggered"]
    status: Literal["draft", "scheduled", "active", "paused", "completed"] = "draft"
    segment: dict[str, Any] = Field(default_factory=dict)
    content: dict[str, Any] = Field(default_factory=dict)
    send_at: UtcDatetime | None = None
    recipient_count: int = Field(default=0, ge=0)
    sent: int = Field(default=0, ge=0)
    opened: int = Field(default=0, ge=0)
    clicked: int = Field(default=0, ge=0)
    converted: int = Field(default=0, ge=0)
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _scheduled_has_time(self) -> CampaignRecord:
        if self.status == "scheduled" and self.send_at is None:
            raise ValueError("a scheduled campaign needs send_at")
        return self


class SequenceRecord(Record):
    id: str | None = prefixed_id("seq")
    name: str = Field(min_length=1, max_length=200)
    status: Literal["draft", "active", "paused", "archived"] = "draft"
    trigger: dict[str, Any] = Field(default_factory=dict)
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = None


class StepRecord(Record):
    id: str | None = prefixed_id("step")
    sequence_id: str
    position: int = Field(ge=0, le=1000)
    name: str = Field(min_length=1, max_length=200)
    delay_seconds: int = Field(default=0, ge=0, le=366 * 24 * 3600)
    subject: str | None = Field(default=None, max_length=500)
    content: dict[str, Any] = Field(default_factory=dict)
    condition: dict[str, Any] | None = None


class LeadRecord(Record):
    id: str | None = prefixed_id("lead")
    email: str = Field(max_length=254, pattern=EMAIL)
    name: str | None = Field(default=None, max_length=200)
    tags: list[str] = Field(default_factory=list, max_length=100)
    source: str | None = Field(default=None, max_length=64)
    status: Literal["active", "unsubscribed", "bounced"] = "active"
    custom_fields: dict[str, Any] = Field(default_factory=dict)
    emails_sent: int = Field(default=0, ge=0)
    emails_opened: int = Field(default=0, ge=0)
    links_clicked: int = Field(default=0, ge=0)
    created_at: UtcDatetime

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: list[str]) -> list[str]:
        cleaned = [tag.strip() for tag in tags]
        if any(not tag or len(tag) > 64 for tag in cleaned):
            raise ValueError("tags must be 1 to 64 characters")
        return list(dict.fromkeys(cleaned))  # drop repeats, keep order


def _lead_row(record: LeadRecord) -> dict[str, Any]:
    row = record.model_dump()
    row["id"] = record.id or lead_id_for(record.email)
    return row


class EnrollmentRecord(Record):
    sequence_id: str
    lead_id: str
    status: Literal["enrolled", "completed", "converted"] = "enrolled"
    enrolled_at: UtcDatetime


register(
    DataType(
        name="email_campaigns",
        domain="organic",
        description="Email campaigns with their sent/opened/clicked/converted totals.",
        record=CampaignRecord,
        table=m.EmailCampaign,
        id_prefix="camp",
        events=(ev.EMAIL_SENT,),
        to_row=with_updated_at,
        example={
            "id": "camp_123",
            "name": "Welcome Series",
            "type": "sequence",
            "status": "active",
            "segment": {"criteria": [{"field": "tags", "operator": "contains", "value": "new"}]},
            "content": {"subject": "Welcome!"},
            "recipient_count": 450,
            "sent": 1250,
            "opened": 562,
            "clicked": 89,
            "converted": 12,
            "created_at": "2024-02-15T10:00:00Z",
        },
    ),
    DataType(
        name="email_sequences",
        domain="organic",
        description="Automated email sequences and the trigger that starts them.",
        record=SequenceRecord,
        table=m.EmailSequence,
        id_prefix="seq",
        to_row=with_updated_at,
        example={
            "id": "seq_123",
            "name": "Onboarding",
            "status": "active",
            "trigger": {"type": "tag_added", "value": "new_customer"},
            "created_at": "2024-02-15T10:00:00Z",
        },
    ),
    DataType(
        name="sequence_steps",
        domain="organic",
        description="The emails of a sequence, in position order; delay in seconds.",
        record=StepRecord,
        table=m.SequenceStep,
        id_prefix="step",
        references={"sequence_id": "email_sequences"},
        example={
            "id": "step_2",
            "sequence_id": "seq_123",
            "position": 2,
            "name": "Product tips",
            "delay_seconds": 259200,
            "subject": "3 tips to master your deck",
            "content": {"html": "<p>...</p>"},
            "condition": {"type": "email_opened", "stepId": "step_1"},
        },
    ),
    DataType(
        name="leads",
        domain="organic",
        description=(
            "Email leads, matched by lower-cased email: re-sending an email updates that lead. "
            "Without an id, a lead's id is derived from its email."
        ),
        record=LeadRecord,
        table=m.Lead,
        conflict_key=("email",),
        # New leads, and leads gaining a tag, enter the sequences they trigger.
        rollups=(enrolment.INGESTED,),
        events=(ev.LEAD_CREATED, ev.LEAD_UNSUBSCRIBED, ev.EMAIL_BOUNCED),
        to_row=_lead_row,
        example={
            "email": "ada@example.com",
            "name": "Ada Example",
            "tags": ["customer", "vip"],
            "source": "website",
            "status": "active",
            "custom_fields": {"company": "Example Co"},
            "emails_sent": 12,
            "emails_opened": 8,
            "links_clicked": 3,
            "created_at": "2024-01-15T10:00:00Z",
        },
    ),
    DataType(
        name="sequence_enrollments",
        domain="organic",
        description="A lead's progress through a sequence (once per sequence and lead).",
        record=EnrollmentRecord,
        table=m.SequenceEnrollment,
        conflict_key=("sequence_id", "lead_id"),
        references={"sequence_id": "email_sequences", "lead_id": "leads"},
        example={
            "sequence_id": "seq_123",
            "lead_id": "lead_b5fc85e55755f9e0",  # the id of the leads example (its email's)
            "status": "completed",
            "enrolled_at": "2024-02-16T10:00:00Z",
        },
    ),
)
