"""Spec 002 (coaching creator hub): knowledge bases, documents and chunks, programs and their
versions, badges, end users, enrollments, badge awards, channels, interactions, proactive
rules and their triggers.

Ids are UUIDs. A record may leave its id out: entities then get a new random UUID, and rows
with a natural key (a chunk's document and index, a program's version, a user's badge, an
end user's channel and external id) get a UUID derived from that key, so re-sending them
without an id updates the same row instead of adding a second one.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field, model_validator

from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from models import coaching as m
from subscriptions import coaching_events as ev

ChannelType = Literal["web", "whatsapp", "telegram", "mobile"]
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "marketing-graph-gateway/coaching")
_Json = dict[str, Any]


def _derived_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, "/".join(str(part) for part in parts))


def end_user_id(channel: str, external_id: str) -> uuid.UUID:
    """The id an end user sent without one gets (channel webhooks use it too, so a sender
    who first wrote through a channel and is later ingested stays one user)."""
    return _derived_id("EndUserRecord", channel, external_id)


def _row(record: Record) -> dict[str, Any]:
    """The record's fields as columns, with a new UUID when the record has no id."""
    row = record.model_dump()
    if row.get("id") is None:
        row["id"] = uuid.uuid4()
    return row


def _row_with_key_id(*key: str) -> Any:
    """Like _row, but a missing id is derived from the natural `key` columns."""

    def to_row(record: Record) -> dict[str, Any]:
        row = record.model_dump()
        if row.get("id") is None:
            row["id"] = _derived_id(type(record).__name__, *(row[k] for k in key))
        return row

    return to_row


# --- knowledge -----------------------------------------------------------------------------


class KnowledgeBaseRecord(Record):
    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    settings: _Json = Field(default_factory=dict)
    created_at: UtcDatetime


class DocumentRecord(Record):
    id: uuid.UUID | None = None
    knowledge_base_id: uuid.UUID
    title: str = Field(min_length=1, max_length=500)
    content: str | None = None
    file_type: str = Field(min_length=1, max_length=64)
    file_size_bytes: int = Field(ge=0)
    processing_status: Literal["pending", "processing", "completed", "failed"] = "pending"
    metadata: _Json = Field(default_factory=dict)
    created_at: UtcDatetime
    processed_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _completed_has_time(self) -> DocumentRecord:
        if self.processing_status == "completed" and self.processed_at is None:
            raise ValueError("a completed document needs processed_at")
        return self


class ChunkRecord(Record):
    id: uuid.UUID | None = None
    document_id: uuid.UUID
    chunk_index: int = Field(ge=0)
    content: str
    metadata: _Json = Field(default_factory=dict)


# --- programs ------------------------------------------------------------------------------


class ProgramRecord(Record):
    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    flow_definition: _Json = Field(default_factory=lambda: {"nodes": [], "edges": []})
    status: Literal["draft", "published", "archived"] = "draft"
    version: int = Field(default=1, ge=1)
    settings: _Json = Field(default_factory=dict)
    created_at: UtcDatetime
    updated_at: UtcDatetime | None = Field(default=None, description="defaults to created_at")
    published_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _check(self) -> ProgramRecord:
        flow = self.flow_definition
        for part in ("nodes", "edges"):
            if not isinstance(flow.get(part, []), list):
                raise ValueError(f"flow_definition.{part} must be a list")
        if self.status == "published" and self.published_at is None:
            raise ValueError("a published program needs published_at")
        return self


def _program_row(record: ProgramRecord) -> dict[str, Any]:
    row = _row(record)
    row["updated_at"] = row["updated_at"] or row["created_at"]
    return row


class ProgramVersionRecord(Record):
    id: uuid.UUID | None = None
    program_id: uuid.UUID
    version: int = Field(ge=1)
    flow_definition: _Json
    published_at: UtcDatetime


class BadgeRecord(Record):
    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    created_at: UtcDatetime


# Publishing a program snapshots its flow as that version (the first snapshot stays).
_SNAPSHOT_PUBLISHED = """
INSERT INTO program_versions (workspace_id, id, program_id, version, flow_definition, published_at)
SELECT workspace_id, gen_random_uuid(), id, version, flow_definition, published_at FROM {ins}
WHERE status = 'published' AND published_at IS NOT NULL
ON CONFLICT (workspace_id, program_id, version) DO NOTHING
"""

# --- people --------------------------------------------------------------------------------


class EndUserRecord(Record):
    id: uuid.UUID | None = None
    external_id: str = Field(min_length=1, max_length=200)
    channel: ChannelType
    profile_data: _Json = Field(default_factory=dict)
    timezone: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    is_active: bool = True
    engagement_score: float = Field(default=0.0, ge=0, le=1)
    created_at: UtcDatetime
    last_active_at: UtcDatetime | None = None


# A re-sent user keeps the activity interactions have shown since.
_KEEP_LAST_ACTIVITY = """
UPDATE end_users u SET last_active_at = GREATEST(u.last_active_at, x.t)
FROM (SELECT i.workspace_id, i.user_id, max(i.created_at) AS t FROM interactions i
      JOIN {ins} w ON w.workspace_id = i.workspace_id AND w.id = i.user_id
      WHERE NOT i.is_ai GROUP BY 1, 2) x
WHERE u.workspace_id = x.workspace_id AND u.id = x.user_id
"""


class EnrollmentRecord(Record):
    id: uuid.UUID | None = None
    user_id: uuid.UUID
    program_id: uuid.UUID
    status: Literal["active", "completed", "dropped"] = "active"
    progress: float = Field(default=0.0, ge=0, le=1)
    enrolled_at: UtcDatetime
    completed_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _completed_has_time(self) -> EnrollmentRecord:
        if self.status == "completed" and self.completed_at is None:
            raise ValueError("a completed enrollment needs completed_at")
        if self.completed_at is not None and self.completed_at < self.enrolled_at:
            raise ValueError("completed_at is before enrolled_at")
        return self


class BadgeAwardRecord(Record):
    id: uuid.UUID | None = None
    user_id: uuid.UUID
    badge_id: uuid.UUID
    earned_at: UtcDatetime


# --- channels and activity -----------------------------------------------------------------


class ChannelRecord(Record):
    id: uuid.UUID | None = None
    channel_type: ChannelType
    channel_name: str = Field(min_length=1, max_length=200)
    status: Literal["active", "inactive", "pending_verification"] = "pending_verification"
    configuration: _Json = Field(default_factory=dict)
    created_at: UtcDatetime


class InteractionRecord(Record):
    id: uuid.UUID | None = None
    user_id: uuid.UUID
    channel: ChannelType = Field(description="the channel type, as on the end user")
    channel_id: uuid.UUID | None = None
    interaction_type: Literal["message_sent", "message_received", "ai_response", "human_escalation"]
    is_ai: bool = False
    program_id: uuid.UUID | None = None
    response_time_seconds: float | None = Field(default=None, ge=0)
    satisfaction_score: float | None = Field(default=None, ge=0, le=5)
    content: str | None = Field(default=None, max_length=65536, description="the message text")
    created_at: UtcDatetime


# An end user's last activity is their latest own (not AI) interaction.
_LAST_ACTIVE = """
UPDATE end_users u SET last_active_at = GREATEST(u.last_active_at, x.t)
FROM (SELECT workspace_id, user_id, max(created_at) AS t FROM {ins}
      WHERE _inserted AND NOT is_ai GROUP BY 1, 2) x
WHERE u.workspace_id = x.workspace_id AND u.id = x.user_id
"""


class RuleRecord(Record):
    id: uuid.UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    trigger_conditions: _Json = Field(default_factory=dict)
    actions: list[_Json] = Field(default_factory=list, max_length=50)
    is_active: bool = True
    created_at: UtcDatetime


class RuleTriggerRecord(Record):
    id: uuid.UUID | None = None
    rule_id: uuid.UUID
    user_id: uuid.UUID
    triggered_at: UtcDatetime
    succeeded: bool = False
    responded_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _responded_after(self) -> RuleTriggerRecord:
        if self.responded_at is not None and self.responded_at < self.triggered_at:
            raise ValueError("responded_at is before triggered_at")
        return self


_KB = "c0ffee00-0000-4000-8000-000000000001"
_DOC = "c0ffee00-0000-4000-8000-000000000002"
_PROGRAM = "c0ffee00-0000-4000-8000-000000000003"
_USER = "c0ffee00-0000-4000-8000-000000000004"
_BADGE = "c0ffee00-0000-4000-8000-000000000005"
_CHANNEL = "c0ffee00-0000-4000-8000-000000000006"
_RULE = "c0ffee00-0000-4000-8000-000000000007"
_USER_REF = {"user_id": "end_users"}

register(
    DataType(
        name="knowledge_bases",
        domain="coaching",
        description="Knowledge bases whose documents coach the AI.",
        record=KnowledgeBaseRecord,
        table=m.KnowledgeBase,
        to_row=_row,
        example={
            "id": _KB,
            "name": "Habit science",
            "description": "Articles on forming habits",
            "settings": {"chunk_size": 1000, "chunk_overlap": 200},
            "created_at": "2024-01-01T00:00:00Z",
        },
    ),
    DataType(
        name="kb_documents",
        domain="coaching",
        description="Documents of a knowledge base, with their processing status.",
        record=DocumentRecord,
        table=m.KbDocument,
        references={"knowledge_base_id": "knowledge_bases"},
        to_row=_row,
        example={
            "id": _DOC,
            "knowledge_base_id": _KB,
            "title": "Tiny steps",
            "file_type": "pdf",
            "file_size_bytes": 20480,
            "processing_status": "completed",
            "metadata": {"author": "Ilse Marrow"},
            "created_at": "2024-01-01T00:00:00Z",
            "processed_at": "2024-01-01T00:05:00Z",
        },
    ),
    DataType(
        name="kb_chunks",
        domain="coaching",
        description="Chunks of a processed document; one per (document_id, chunk_index).",
        record=ChunkRecord,
        table=m.KbDocumentChunk,
        conflict_key=("document_id", "chunk_index"),
        references={"document_id": "kb_documents"},
        to_row=_row_with_key_id("document_id", "chunk_index"),
        example={"document_id": _DOC, "chunk_index": 0, "content": "Start with one push-up."},
    ),
    DataType(
        name="programs",
        domain="coaching",
        description="Coaching programs (flow_definition: nodes and edges). A published "
        "program's flow is kept as that version in program_versions.",
        record=ProgramRecord,
        table=m.Program,
        rollups=(_SNAPSHOT_PUBLISHED,),
        to_row=_program_row,
        example={
            "id": _PROGRAM,
            "name": "Morning routine",
            "flow_definition": {
                "nodes": [{"id": "start", "type": "start", "position": {"x": 0, "y": 0}}],
                "edges": [],
            },
            "status": "published",
            "version": 1,
            "created_at": "2024-01-01T00:00:00Z",
            "published_at": "2024-01-01T01:00:00Z",
        },
    ),
    DataType(
        name="program_versions",
        domain="coaching",
        description="Earlier published versions of a program (first copy of a version stays).",
        record=ProgramVersionRecord,
        table=m.ProgramVersion,
        conflict_key=("program_id", "version"),
        on_conflict="ignore",
        references={"program_id": "programs"},
        to_row=_row_with_key_id("program_id", "version"),
        example={
            "program_id": _PROGRAM,
            "version": 1,
            "flow_definition": {"nodes": [], "edges": []},
            "published_at": "2024-01-01T01:00:00Z",
        },
    ),
    DataType(
        name="badges",
        domain="coaching",
        description="Badges end users can earn.",
        record=BadgeRecord,
        table=m.Badge,
        to_row=_row,
        example={"id": _BADGE, "name": "First week", "created_at": "2024-01-01T00:00:00Z"},
    ),
    DataType(
        name="end_users",
        domain="coaching",
        description="People coached through a channel (channel required). Without an id, "
        "the same (channel, external_id) is always the same user.",
        record=EndUserRecord,
        table=m.EndUser,
        rollups=(_KEEP_LAST_ACTIVITY,),
        events=(ev.USER_CREATED, ev.USER_UPDATED),
        to_row=_row_with_key_id("channel", "external_id"),
        example={
            "id": _USER,
            "external_id": "visitor-4411",
            "channel": "web",
            "profile_data": {"name": "Tamsin Reed", "goals": ["sleep earlier"]},
            "timezone": "Europe/Lisbon",
            "language": "pt",
            "engagement_score": 0.75,
            "created_at": "2024-01-01T00:00:00Z",
        },
    ),
    DataType(
        name="enrollments",
        domain="coaching",
        description="An end user enrolled in a program; at most one active per user and program.",
        record=EnrollmentRecord,
        table=m.Enrollment,
        references={**_USER_REF, "program_id": "programs"},
        events=(ev.PROGRAM_ENROLLED, ev.PROGRAM_COMPLETED),
        to_row=_row,
        example={
            "user_id": _USER,
            "program_id": _PROGRAM,
            "status": "active",
            "progress": 0.6,
            "enrolled_at": "2024-01-02T00:00:00Z",
        },
    ),
    DataType(
        name="badge_awards",
        domain="coaching",
        description="A badge earned by an end user (once per user and badge).",
        record=BadgeAwardRecord,
        table=m.BadgeAward,
        conflict_key=("user_id", "badge_id"),
        on_conflict="ignore",
        references={**_USER_REF, "badge_id": "badges"},
        to_row=_row_with_key_id("user_id", "badge_id"),
        example={"user_id": _USER, "badge_id": _BADGE, "earned_at": "2024-01-07T00:00:00Z"},
    ),
    DataType(
        name="channels",
        domain="coaching",
        description="Configured channels (web widget, WhatsApp number ...).",
        record=ChannelRecord,
        table=m.Channel,
        to_row=_row,
        example={
            "id": _CHANNEL,
            "channel_type": "web",
            "channel_name": "Website widget",
            "status": "active",
            "configuration": {"widget_color": "#007bff"},
            "created_at": "2024-01-01T00:00:00Z",
        },
    ),
    DataType(
        name="interactions",
        domain="coaching",
        description="Messages, AI responses and escalations with end users (append-only); "
        "an end user's own interactions move their last_active_at.",
        record=InteractionRecord,
        table=m.Interaction,
        on_conflict="ignore",
        references={**_USER_REF, "channel_id": "channels", "program_id": "programs"},
        rollups=(_LAST_ACTIVE,),
        events=(ev.MESSAGE_RECEIVED, ev.ESCALATION_CREATED),
        to_row=_row,
        example={
            "user_id": _USER,
            "channel": "web",
            "channel_id": _CHANNEL,
            "interaction_type": "message_sent",
            "program_id": _PROGRAM,
            "created_at": "2024-01-02T00:00:00Z",
        },
    ),
    DataType(
        name="proactive_rules",
        domain="coaching",
        description="Rules that reach out to end users (conditions and actions as JSON).",
        record=RuleRecord,
        table=m.ProactiveRule,
        to_row=_row,
        example={
            "id": _RULE,
            "name": "Inactivity follow-up",
            "trigger_conditions": {"type": "inactivity", "threshold_hours": 24},
            "actions": [{"type": "send_message", "delay_minutes": 0}],
            "created_at": "2024-01-01T00:00:00Z",
        },
    ),
    DataType(
        name="rule_triggers",
        domain="coaching",
        description="A rule firing for an end user; re-send it with succeeded/responded_at "
        "once the user engaged.",
        record=RuleTriggerRecord,
        table=m.RuleTrigger,
        references={"rule_id": "proactive_rules", **_USER_REF},
        to_row=_row,
        example={
            "rule_id": _RULE,
            "user_id": _USER,
            "triggered_at": "2024-01-03T00:00:00Z",
            "succeeded": True,
            "responded_at": "2024-01-03T02:30:00Z",
        },
    ),
)
