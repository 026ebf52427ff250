"""Spec 003's email writes: campaigns (a one-time one is sent by a job), sequences with
their steps, lead imports, and unsubscribing a lead."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON

from gateway.organic import campaigns, leads, unsubscribe
from resolvers.context import Info
from resolvers.errors import BadUserInput, NotFound
from resolvers.organic_email import (
    CampaignType,
    EmailCampaign,
    EmailSequence,
    email_campaign,
    email_sequence,
)
from resolvers.organic_writes import actor


@strawberry.input
class CampaignInput:
    name: str
    type: CampaignType
    segment: JSON | None = None
    content: JSON | None = None
    send_at: dt.datetime | None = None


@strawberry.input
class StepInput:
    name: str
    delay: int = strawberry.field(description="Seconds after the previous step.")
    content: JSON | None = None
    condition: JSON | None = None


@strawberry.input
class SequenceInput:
    name: str
    trigger: JSON | None = None
    steps: list[StepInput]


@strawberry.input
class LeadMapping:
    email: str = "email"
    name: str | None = "name"
    custom_fields: JSON | None = None


@strawberry.input
class LeadImportInput:
    source: str | None = None
    mapping: LeadMapping | None = None
    data: list[JSON]
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class LeadImportError:
    row: int
    error: str


@strawberry.type
class LeadImport:
    imported: int
    skipped: int
    errors: list[LeadImportError]


def _object(value: object, field: str) -> dict:
    """A JSON argument that must be an object (the JSON scalar also admits 3 or "x")."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadUserInput(f"{field} must be an object", field=field)
    return value


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_email_campaign(self, info: Info, input: CampaignInput) -> EmailCampaign:
        async with info.context.sessions.begin() as session:
            row = await campaigns.create_campaign(
                session,
                workspace_id=info.context.workspace_id,
                name=input.name,
                type=input.type.value,
                segment=_object(input.segment, "segment"),
                content=_object(input.content, "content"),
                send_at=input.send_at,
            )
        return email_campaign(row)

    @strawberry.mutation
    async def create_email_sequence(self, info: Info, input: SequenceInput) -> EmailSequence:
        steps = []
        for n, step in enumerate(input.steps):
            if step.delay < 0:
                raise BadUserInput(f"steps[{n}].delay must be 0 or more seconds", field="delay")
            content = _object(step.content, f"steps[{n}].content")
            condition = _object(step.condition, f"steps[{n}].condition") or None
            steps.append(
                {"name": step.name, "delay": step.delay, "content": content, "condition": condition}
            )
        async with info.context.sessions.begin() as session:
            row = await campaigns.create_sequence(
                session,
                workspace_id=info.context.workspace_id,
                name=input.name,
                trigger=_object(input.trigger, "trigger"),
                steps=steps,
            )
        return email_sequence(row)

    @strawberry.mutation(description="Import leads: every row checked, the valid ones written.")
    async def import_leads(self, info: Info, input: LeadImportInput) -> LeadImport:
        given = input.mapping or LeadMapping()
        mapping = leads.Mapping(
            email=given.email, name=given.name, custom_fields=dict(given.custom_fields or {})
        )
        async with info.context.sessions.begin() as session:
            result = await leads.import_leads(
                session,
                workspace_id=info.context.workspace_id,
                records=list(input.data),
                mapping=mapping,
                tags=input.tags,
                source=input.source,
                actor_id=actor(info),
            )
        return LeadImport(
            imported=result.imported,
            skipped=result.skipped,
            errors=[LeadImportError(**e) for e in result.errors],
        )

    @strawberry.mutation(description="Unsubscribe a lead (records lead.unsubscribed once).")
    async def unsubscribe_lead(self, info: Info, id: strawberry.ID) -> bool:
        async with info.context.sessions.begin() as session:
            found = await unsubscribe.unsubscribe(
                session, workspace_id=info.context.workspace_id, lead_id=id
            )
        if not found:
            raise NotFound("Lead not found")
        return True
