"""Ingesting the coaching hub (spec 002): validation, references, upserts, derived rows."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from gateway.ingestion import IngestionRejected
from models import coaching as m
from tests.utils.builders import at
from tests.utils.coaching import (
    end_user,
    enrollment,
    interaction,
    knowledge_base,
    load_hub,
    program,
    small_hub,
    uid,
)


async def rows(sessions, model, workspace):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return list(await session.scalars(select(model).where(model.workspace_id == workspace)))


async def test_the_small_hub_loads_whole(upload, sessions, workspace):
    await load_hub(upload)
    hub = small_hub()
    for data_type, model in [
        ("knowledge_bases", m.KnowledgeBase),
        ("kb_documents", m.KbDocument),
        ("kb_chunks", m.KbDocumentChunk),
        ("end_users", m.EndUser),
        ("enrollments", m.Enrollment),
        ("interactions", m.Interaction),
        ("rule_triggers", m.RuleTrigger),
    ]:
        assert len(await rows(sessions, model, workspace)) == len(hub[data_type]), data_type
    document = (await rows(sessions, m.KbDocument, workspace))[0]
    assert isinstance(document.id, uuid.UUID)


async def test_invalid_records_reject_the_batch_with_row_indexes(upload, sessions, workspace):
    records = [
        end_user(1),
        {key: value for key, value in end_user(2).items() if key != "channel"},
        end_user(3, channel="fax"),
        end_user(4, score=1.5),
        end_user(5, id="not-a-uuid"),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("end_users", records)
    errors = {(e.index, e.field) for e in caught.value.errors}
    assert errors == {(1, "channel"), (2, "channel"), (3, "engagement_score"), (4, "id")}
    assert caught.value.total_invalid == 4
    assert await rows(sessions, m.EndUser, workspace) == []


async def test_rules_across_fields_are_checked(upload):
    await upload("end_users", [end_user(1)])
    await upload("programs", [program(1)])
    completed_without_time = {**enrollment(1, 1), "status": "completed"}
    published_without_time = {**program(2, status="draft"), "status": "published"}
    with pytest.raises(IngestionRejected) as caught:
        await upload("enrollments", [enrollment(1, 1), completed_without_time])
    assert [(e.index, e.message) for e in caught.value.errors] == [
        (1, "Value error, a completed enrollment needs completed_at")
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("programs", [published_without_time])
    assert caught.value.errors[0].message == "Value error, a published program needs published_at"


async def test_references_are_enforced_within_the_workspace(upload, sessions, workspace):
    await upload("end_users", [end_user(1)])
    await upload("programs", [program(1)])
    records = [enrollment(1, 1), enrollment(1, 9), enrollment(7, 1)]
    with pytest.raises(IngestionRejected) as caught:
        await upload("enrollments", records)
    assert [(e.index, e.field) for e in caught.value.errors] == [(1, "program_id"), (2, "user_id")]
    assert await rows(sessions, m.Enrollment, workspace) == []
    with pytest.raises(IngestionRejected):
        await upload("enrollments", [enrollment(1, 1)], workspace_id="ws_default")
    with pytest.raises(IngestionRejected) as caught:
        await upload("kb_documents", [{**small_hub()["kb_documents"][0]}])
    assert caught.value.errors[0].field == "knowledge_base_id"


async def test_entities_are_upserted_by_id(upload, sessions, workspace):
    first = await upload("knowledge_bases", [knowledge_base(1), knowledge_base(2)])
    again = await upload("knowledge_bases", [knowledge_base(1, name="Renamed")])
    assert (first.records_inserted, again.records_inserted, again.records_updated) == (2, 0, 1)
    names = {str(kb.id): kb.name for kb in await rows(sessions, m.KnowledgeBase, workspace)}
    assert names == {uid("kb", 1): "Renamed", uid("kb", 2): "Library 2"}


async def test_records_without_id_get_uuids(upload, sessions, workspace):
    no_id = {k: v for k, v in knowledge_base(1).items() if k != "id"}
    await upload("knowledge_bases", [no_id, no_id])
    kbs = await rows(sessions, m.KnowledgeBase, workspace)
    assert len(kbs) == 2 and kbs[0].id != kbs[1].id


async def test_natural_keys_stand_in_for_missing_ids(upload, sessions, workspace):
    anonymous = {k: v for k, v in end_user(1).items() if k != "id"}
    await upload("end_users", [anonymous])
    result = await upload("end_users", [{**anonymous, "language": "fi"}])
    assert (result.records_inserted, result.records_updated) == (0, 1)
    users = await rows(sessions, m.EndUser, workspace)
    assert [(u.external_id, u.language) for u in users] == [("ext-1", "fi")]

    hub = small_hub()
    await upload("knowledge_bases", hub["knowledge_bases"])
    await upload("kb_documents", hub["kb_documents"])
    await upload("kb_chunks", hub["kb_chunks"])
    await upload("kb_chunks", [{**hub["kb_chunks"][0], "content": "rewritten"}])
    chunks = sorted(await rows(sessions, m.KbDocumentChunk, workspace), key=lambda c: c.chunk_index)
    assert [c.content for c in chunks] == ["rewritten", "part 1", "part 2"]


async def test_publishing_a_program_keeps_its_version(upload, sessions, workspace):
    await upload("programs", [program(1)])
    flow_v2 = {"nodes": [{"id": "start"}, {"id": "m1"}], "edges": [{"source": "start"}]}
    await upload("programs", [program(1, version=2, flow_definition=flow_v2)])
    await upload("programs", [program(1, version=2, name="Renamed")])
    versions = sorted(await rows(sessions, m.ProgramVersion, workspace), key=lambda v: v.version)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].flow_definition == flow_v2


async def test_one_active_enrollment_per_user_and_program(upload, sessions, workspace):
    await upload("end_users", [end_user(1)])
    await upload("programs", [program(1)])
    await upload("enrollments", [enrollment(1, 1, "completed")])
    await upload("enrollments", [enrollment(1, 1, "active")])  # re-enrolling is fine
    with pytest.raises(Exception, match="uq_enrollments_active"):
        await upload("enrollments", [enrollment(1, 1, "active")])
    assert len(await rows(sessions, m.Enrollment, workspace)) == 2


async def test_interactions_are_append_only_and_move_last_activity(upload, sessions, workspace):
    hub = small_hub()
    for data_type in ("end_users", "channels"):
        await upload(data_type, hub[data_type])
    first = {**interaction(1, 1, 2), "id": str(uuid.uuid4())}
    await upload("interactions", [first, interaction(1, 1, 9, is_ai=True)])
    again = await upload("interactions", [{**first, "interaction_type": "ai_response"}])
    assert (again.records_inserted, again.records_updated) == (0, 0)
    await upload("end_users", [end_user(1)])  # a re-sent user keeps its activity
    async with sessions() as session:
        user = await session.get(m.EndUser, (workspace, uuid.UUID(uid("user", 1))))
        kinds = await session.scalars(
            select(m.Interaction.interaction_type).where(m.Interaction.id == uuid.UUID(first["id"]))
        )
        total = await session.scalar(
            select(func.count()).where(m.Interaction.workspace_id == workspace)
        )
    assert list(kinds) == ["message_sent"] and total == 2
    assert user is not None and user.last_active_at.isoformat() == at(3, 2)
