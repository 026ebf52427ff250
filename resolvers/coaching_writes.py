"""Coaching creator hub (spec 002) writes: knowledge bases and documents, programs and their
publish/archive state machine, end user profiles and enrolments, channels and proactive
rules. Each runs in one transaction with the events (and jobs) it records."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import UTC, date, datetime
from typing import Any

import strawberry
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.scalars import JSON

from gateway.coaching import exports, proactive, walking
from gateway.coaching.flows import flow_problems
from gateway.jobs import defer
from gateway.secrets import SecretBox
from models import coaching as m
from resolvers.coaching import KbDocument, KnowledgeBase, document_node
from resolvers.coaching_analytics import CoachingExport, export_node
from resolvers.coaching_channels import Channel, ChannelType, ProactiveRule, channel_node
from resolvers.coaching_people import EndUser, Enrollment, Program, end_user_node
from resolvers.context import Info
from resolvers.errors import BadUserInput, GatewayError, NotFound
from resolvers.node import from_row
from subscriptions.coaching_events import user_payload
from subscriptions.events import iso, record_event

# Configuration keys sealed at rest and never shown (resolvers/coaching_channels.py hides
# them on the way out as well).
SECRET_KEYS = ("access_token", "webhook_verify_token", "bot_token", "api_key", "app_secret")


class Invalid(GatewayError):
    """Spec 002's VALIDATION_ERROR (422), with `details` as the spec shows them."""

    code = "VALIDATION_ERROR"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message, details=details or [])


def _now() -> datetime:
    return datetime.now(UTC)


async def _owned(session: AsyncSession, model: Any, workspace_id: str, key: str, what: str) -> Any:
    """The workspace's row `key` locked for update, or NOT_FOUND (another tenant's too)."""
    try:
        row_id = uuid.UUID(str(key))
    except ValueError:
        raise NotFound(f"{what} not found") from None
    statement = (
        select(model)
        .where(model.workspace_id == workspace_id, model.id == row_id)
        .with_for_update()
    )
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{what} not found")
    return row


async def _document_in(
    session: AsyncSession, info: Info, key: str, knowledge_base_id: str | None
) -> m.KbDocument:
    row = await _owned(session, m.KbDocument, info.context.workspace_id, key, "Document")
    if knowledge_base_id is not None and str(row.knowledge_base_id) != str(knowledge_base_id):
        raise NotFound("Document not found")
    return row


def _decoded(upload: DocumentUpload) -> bytes:
    try:
        return base64.b64decode(upload.content_base64, validate=True)
    except binascii.Error:
        raise Invalid(
            "contentBase64 is not base64", [{"field": "file", "message": "not base64"}]
        ) from None


def _check_flow(flow: Any) -> None:
    problems = flow_problems(flow)
    if problems:
        raise Invalid(f"Invalid flow_definition: {problems[0]['message']}", problems)


@strawberry.input
class KnowledgeBaseInput:
    name: str
    description: str | None = None
    settings: JSON | None = None


@strawberry.input
class DocumentUpload:
    title: str
    file_type: str
    file_size_bytes: int
    content_base64: str = strawberry.field(description="The file itself, base64-encoded.")
    metadata: JSON | None = None


@strawberry.input
class DocumentUpdate:
    title: str | None = None
    metadata: JSON | None = None


@strawberry.input
class ProgramInput:
    name: str
    description: str | None = None
    flow_definition: JSON
    settings: JSON | None = None


@strawberry.input
class ProgramUpdate:
    name: str | None = None
    description: str | None = None
    flow_definition: JSON | None = None
    settings: JSON | None = None


@strawberry.input
class EndUserUpdate:
    profile_data: JSON | None = None
    timezone: str | None = None
    language: str | None = None


@strawberry.input
class ChannelInput:
    channel_type: ChannelType
    channel_name: str
    configuration: JSON | None = None


@strawberry.input
class ChannelUpdate:
    channel_name: str | None = None
    configuration: JSON | None = None


@strawberry.input
class ProactiveRuleInput:
    name: str
    description: str | None = None
    trigger_conditions: JSON
    actions: JSON
    is_active: bool = True


@strawberry.input
class CoachingExportInput:
    metrics: list[str]
    start_date: date
    end_date: date
    format: str = "csv"
    email: str | None = None


@strawberry.type
class DeletedDocument:
    id: strawberry.ID


def _configuration(value: Any) -> dict[str, Any]:
    """A channel's configuration: a JSON object (the JSON scalar also admits 3 or "x")."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadUserInput("configuration must be an object", field="configuration")
    return dict(value)


def _sealed(info: Info, configuration: dict[str, Any]) -> dict[str, Any]:
    box = SecretBox.from_settings(info.context.settings)
    return {
        k: box.seal(str(v)) if k in SECRET_KEYS and v is not None else v
        for k, v in configuration.items()
    }


def _minutes(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= proactive.MAX_DELAY_MINUTES
    )


def _check_rule(trigger: Any, actions: Any) -> None:
    details = []
    if not isinstance(trigger, dict) or trigger.get("type") != "inactivity":
        details.append({"field": "trigger_conditions.type", "message": "must be 'inactivity'"})
    else:
        hours = trigger.get("threshold_hours")
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            message = "must be a positive number of hours"
            details.append({"field": "trigger_conditions.threshold_hours", "message": message})
        if trigger.get("applies_to", "all_users") not in proactive.AUDIENCES:
            message = f"must be one of {', '.join(proactive.AUDIENCES)}"
            details.append({"field": "trigger_conditions.applies_to", "message": message})
    if not isinstance(actions, list) or not actions:
        details.append({"field": "actions", "message": "at least one action is needed"})
    else:
        for n, action in enumerate(actions):
            if not isinstance(action, dict) or action.get("type") != "send_message":
                message = "must be a send_message action"
                details.append({"field": f"actions[{n}].type", "message": message})
            elif not isinstance(action.get("message_template"), str):
                message = "a message_template is needed"
                details.append({"field": f"actions[{n}].message_template", "message": message})
            elif not _minutes(action.get("delay_minutes", 0)):
                message = f"must be a number of minutes from 0 to {proactive.MAX_DELAY_MINUTES}"
                details.append({"field": f"actions[{n}].delay_minutes", "message": message})
    if details:
        raise Invalid(f"Invalid {details[0]['field']}: {details[0]['message']}", details)


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_knowledge_base(self, info: Info, input: KnowledgeBaseInput) -> KnowledgeBase:
        row = m.KnowledgeBase(
            workspace_id=info.context.workspace_id,
            id=uuid.uuid4(),
            name=input.name,
            description=input.description,
            settings=input.settings or {},
            created_at=_now(),
        )
        async with info.context.sessions.begin() as session:
            session.add(row)
        return from_row(KnowledgeBase, row)

    @strawberry.mutation(description="A document's record; its text is processed by a job.")
    async def create_kb_document(
        self, info: Info, knowledge_base_id: strawberry.ID, input: DocumentUpload
    ) -> KbDocument:
        ws = info.context.workspace_id
        async with info.context.sessions.begin() as session:
            await _owned(session, m.KnowledgeBase, ws, knowledge_base_id, "Knowledge base")
            row = m.KbDocument(
                workspace_id=ws,
                id=uuid.uuid4(),
                knowledge_base_id=uuid.UUID(str(knowledge_base_id)),
                title=input.title,
                file_type=input.file_type,
                file_size_bytes=input.file_size_bytes,
                processing_status="pending",
                meta=input.metadata or {},
                created_at=_now(),
            )
            session.add(row)
            await session.flush()
            session.add(
                m.KbDocumentSource(workspace_id=ws, document_id=row.id, data=_decoded(input))
            )
            await session.flush()
            await defer(
                session,
                "coaching:process_document",
                queue="coaching",
                args={"workspace_id": ws, "document_id": str(row.id)},
            )
        return document_node(row)

    @strawberry.mutation
    async def update_kb_document(
        self,
        info: Info,
        id: strawberry.ID,
        input: DocumentUpdate,
        knowledge_base_id: strawberry.ID | None = None,
    ) -> KbDocument:
        async with info.context.sessions.begin() as session:
            row = await _document_in(session, info, id, knowledge_base_id)
            if input.title is not None:
                row.title = input.title
            if input.metadata is not None:
                row.meta = input.metadata
        return document_node(row)

    @strawberry.mutation(description="Deletes the document and its chunks.")
    async def delete_kb_document(
        self, info: Info, id: strawberry.ID, knowledge_base_id: strawberry.ID | None = None
    ) -> DeletedDocument:
        ws = info.context.workspace_id
        async with info.context.sessions.begin() as session:
            row = await _document_in(session, info, id, knowledge_base_id)
            for child in (m.KbDocumentChunk, m.KbDocumentSource):
                await session.execute(
                    delete(child).where(child.workspace_id == ws, child.document_id == row.id)
                )
            await session.delete(row)
        return DeletedDocument(id=id)

    @strawberry.mutation(description="A draft program (flow_definition validated).")
    async def create_program(self, info: Info, input: ProgramInput) -> Program:
        _check_flow(input.flow_definition)
        now = _now()
        row = m.Program(
            workspace_id=info.context.workspace_id,
            id=uuid.uuid4(),
            name=input.name,
            description=input.description,
            flow_definition=input.flow_definition,
            status="draft",
            version=1,
            settings=input.settings or {},
            created_at=now,
            updated_at=now,
        )
        async with info.context.sessions.begin() as session:
            session.add(row)
        return from_row(Program, row)

    @strawberry.mutation(
        description="Changes a program. A published one gets a new published version "
        "(enrolments keep theirs); an archived one becomes a new draft version."
    )
    async def update_program(self, info: Info, id: strawberry.ID, input: ProgramUpdate) -> Program:
        if input.flow_definition is not None:
            _check_flow(input.flow_definition)
        async with info.context.sessions.begin() as session:
            row = await _owned(session, m.Program, info.context.workspace_id, id, "Program")
            if input.name is not None:
                row.name = input.name
            if input.description is not None:
                row.description = input.description
            if input.settings is not None:
                row.settings = input.settings
            flow_changed = (
                input.flow_definition is not None and input.flow_definition != row.flow_definition
            )
            if flow_changed:
                row.flow_definition = input.flow_definition
                if row.status == "published":
                    row.version += 1
                    row.published_at = _now()
                    session.add(_version_of(row))
            if row.status == "archived" and (flow_changed or input.settings is not None):
                row.status, row.version, row.published_at = "draft", row.version + 1, None
            row.updated_at = _now()
        return from_row(Program, row)

    @strawberry.mutation(description="draft -> published (archived needs a new draft first).")
    async def publish_program(self, info: Info, id: strawberry.ID) -> Program:
        async with info.context.sessions.begin() as session:
            row = await _owned(session, m.Program, info.context.workspace_id, id, "Program")
            if row.status == "archived":
                raise Invalid(
                    "An archived program cannot be published again; update it to make a new draft",
                    [{"field": "status", "message": "program is archived"}],
                )
            if row.status == "draft":
                now = _now()
                row.status, row.published_at, row.updated_at = "published", now, now
                session.add(_version_of(row))
        return from_row(Program, row)

    @strawberry.mutation(description="published or draft -> archived (no new enrolments).")
    async def archive_program(self, info: Info, id: strawberry.ID) -> Program:
        async with info.context.sessions.begin() as session:
            row = await _owned(session, m.Program, info.context.workspace_id, id, "Program")
            if row.status != "archived":
                row.status, row.updated_at = "archived", _now()
        return from_row(Program, row)

    @strawberry.mutation
    async def update_end_user(self, info: Info, id: strawberry.ID, input: EndUserUpdate) -> EndUser:
        ws = info.context.workspace_id
        async with info.context.sessions.begin() as session:
            row = await _owned(session, m.EndUser, ws, id, "User")
            changed = []
            for name in ("profile_data", "timezone", "language"):
                value = getattr(input, name)
                if value is not None and value != getattr(row, name):
                    setattr(row, name, value)
                    changed.append(name)
            if changed:
                await record_event(
                    session,
                    workspace_id=ws,
                    type="user.updated",
                    payload={**user_payload(row), "changed": changed},
                    subject=str(row.id),
                )
        return end_user_node(row)

    @strawberry.mutation(description="Enrols a user in a published program, at its version.")
    async def enroll_end_user(
        self, info: Info, user_id: strawberry.ID, program_id: strawberry.ID
    ) -> Enrollment:
        ws = info.context.workspace_id
        async with info.context.sessions.begin() as session:
            user = await _owned(session, m.EndUser, ws, user_id, "User")
            program = await _owned(session, m.Program, ws, program_id, "Program")
            if program.status != "published":
                raise Invalid(
                    f"Program is {program.status}: only a published program takes enrolments",
                    [{"field": "program_id", "message": f"program is {program.status}"}],
                )
            e = m.Enrollment
            active = await session.scalar(
                select(func.count()).where(
                    e.workspace_id == ws,
                    e.user_id == user.id,
                    e.program_id == program.id,
                    e.status == "active",
                )
            )
            if active:
                raise Invalid(
                    "User is already enrolled in this program",
                    [{"field": "program_id", "message": "already enrolled"}],
                )
            row = m.Enrollment(
                workspace_id=ws,
                id=uuid.uuid4(),
                user_id=user.id,
                program_id=program.id,
                program_version=program.version,
                status="active",
                progress=0.0,
                enrolled_at=_now(),
            )
            session.add(row)
            await session.flush()
            await walking.start(session, row, program.flow_definition)
            await record_event(
                session,
                workspace_id=ws,
                type="program.enrolled",
                payload={
                    "enrollment_id": str(row.id),
                    "user_id": str(user.id),
                    "program_id": str(program.id),
                    "status": "active",
                    "enrolled_at": iso(row.enrolled_at),
                },
                subject=str(row.id),
            )
        return from_row(Enrollment, row)

    @strawberry.mutation(description="A channel; its secrets are sealed and never returned.")
    async def create_channel(self, info: Info, input: ChannelInput) -> Channel:
        configuration = _configuration(input.configuration)
        configuration.pop("webhook_url", None)
        row = m.Channel(
            workspace_id=info.context.workspace_id,
            id=uuid.uuid4(),
            channel_type=input.channel_type.value,
            channel_name=input.channel_name,
            # The web widget is served by the gateway itself: nothing to verify.
            status="active" if input.channel_type is ChannelType.WEB else "pending_verification",
            configuration=_sealed(info, configuration),
            created_at=_now(),
        )
        async with info.context.sessions.begin() as session:
            session.add(row)
        return channel_node(row)

    @strawberry.mutation(description="Merges the configuration given into the channel's.")
    async def update_channel(self, info: Info, id: strawberry.ID, input: ChannelUpdate) -> Channel:
        async with info.context.sessions.begin() as session:
            row = await _owned(session, m.Channel, info.context.workspace_id, id, "Channel")
            if input.channel_name is not None:
                row.channel_name = input.channel_name
            if input.configuration is not None:
                given = _configuration(input.configuration)
                given.pop("webhook_url", None)
                row.configuration = {**row.configuration, **_sealed(info, given)}
        return channel_node(row)

    @strawberry.mutation
    async def create_proactive_rule(self, info: Info, input: ProactiveRuleInput) -> ProactiveRule:
        _check_rule(input.trigger_conditions, input.actions)
        row = m.ProactiveRule(
            workspace_id=info.context.workspace_id,
            id=uuid.uuid4(),
            name=input.name,
            description=input.description,
            trigger_conditions=input.trigger_conditions,
            actions=input.actions,
            is_active=input.is_active,
            created_at=_now(),
        )
        async with info.context.sessions.begin() as session:
            session.add(row)
        return from_row(ProactiveRule, row)

    @strawberry.mutation(description="An analytics export, made by a job (poll coachingExport).")
    async def request_coaching_export(
        self, info: Info, input: CoachingExportInput
    ) -> CoachingExport:
        details = [
            {"field": "metrics", "message": f"unknown metric {name!r}"}
            for name in input.metrics
            if name not in m.EXPORT_METRICS
        ]
        if not input.metrics:
            details.append({"field": "metrics", "message": "at least one metric is needed"})
        if input.format not in m.EXPORT_FORMATS:
            details.append({"field": "format", "message": "must be csv or json"})
        if input.end_date < input.start_date:
            details.append({"field": "end_date", "message": "must not be before start_date"})
        elif (input.end_date - input.start_date).days > 366 * 2:
            details.append({"field": "end_date", "message": "a range is at most two years"})
        if details:
            raise Invalid(f"Invalid {details[0]['field']}: {details[0]['message']}", details)
        async with info.context.sessions.begin() as session:
            row = await exports.request_export(
                session,
                workspace_id=info.context.workspace_id,
                metrics=input.metrics,
                start=input.start_date,
                end=input.end_date,
                format=input.format,
                email=input.email,
                requested_by=info.context.principal.subject,
            )
        return export_node(row)


def _version_of(row: m.Program) -> m.ProgramVersion:
    return m.ProgramVersion(
        workspace_id=row.workspace_id,
        id=uuid.uuid4(),
        program_id=row.id,
        version=row.version,
        flow_definition=row.flow_definition,
        published_at=row.published_at or _now(),
    )
