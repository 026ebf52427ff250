"""Spec 003 ingestion: leads by email, content metrics by day, validation by row."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.ingestion import IngestionRejected
from gateway.ingestion.organic_email import lead_id_for
from models import organic as m
from tests.utils.builders import at
from tests.utils.organic_builders import content, enrollment, lead, metrics, sequence, step


async def rows(sessions, model, workspace, *order):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        result = await session.scalars(
            select(model).where(model.workspace_id == workspace).order_by(*order)
        )
        return list(result)


async def test_leads_match_by_lower_cased_email(upload, sessions, workspace):
    first = await upload(
        "leads",
        [
            {"email": "  Ada@Example.COM ", "name": "Ada", "created_at": at()},
            {"email": "bo@example.com", "tags": ["vip", " vip ", "new"], "created_at": at()},
        ],
    )
    assert (first.records_inserted, first.records_updated) == (2, 0)
    # The same person re-imported with other casing updates the lead and keeps its id.
    again = await upload(
        "leads", [{"email": "ADA@example.com", "name": "Ada L.", "created_at": at()}]
    )
    assert (again.records_inserted, again.records_updated) == (0, 1)
    leads = await rows(sessions, m.Lead, workspace, m.Lead.email)
    assert [(x.id, x.email, x.name) for x in leads] == [
        (lead_id_for("ada@example.com"), "ada@example.com", "Ada L."),
        (lead_id_for("bo@example.com"), "bo@example.com", None),
    ]
    assert leads[1].tags == ["vip", "new"]


async def test_a_lead_id_change_carries_its_enrollments(upload, sessions, workspace):
    await upload("email_sequences", [sequence(1)])
    await upload("leads", [{"email": "cy@example.com", "created_at": at()}])
    await upload(
        "sequence_enrollments", [{**enrollment(1, 0), "lead_id": lead_id_for("cy@example.com")}]
    )
    # The legacy system's own id arrives later, for the same email.
    await upload("leads", [{"id": "lead_77", "email": "cy@example.com", "created_at": at()}])
    (enrolled,) = await rows(sessions, m.SequenceEnrollment, workspace)
    assert enrolled.lead_id == "lead_77"


async def test_invalid_emails_are_reported_by_row(upload, sessions, workspace):
    records = [
        lead(1),
        lead(2, email="not-an-email"),
        lead(3, email="two@@example.com"),
        lead(4, email="nodot@localhost"),
        lead(5, email="ok+tag@sub.example.org"),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("leads", records)
    assert [(e.index, e.field) for e in caught.value.errors] == [
        (1, "email"),
        (2, "email"),
        (3, "email"),
    ]
    assert await rows(sessions, m.Lead, workspace) == []


async def test_content_rules_and_references_are_checked(upload):
    records = [
        content(1),
        content(2, status="scheduled"),  # no scheduled_at
        content(3, type="podcast"),
        content(4, status="published", published_at=at(1)),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("content", records)
    assert [(e.index, e.field) for e in caught.value.errors] == [(1, None), (2, "type")]
    assert "scheduled content needs scheduled_at" in caught.value.errors[0].message

    await upload("content", [content(1)])
    with pytest.raises(IngestionRejected) as caught:
        await upload("content_metrics", [metrics(1, "2024-03-01"), metrics(9, "2024-03-01")])
    assert [(e.index, e.field) for e in caught.value.errors] == [(1, "content_id")]


async def test_content_metrics_are_one_row_per_day(upload, sessions, workspace):
    await upload("content", [content(1)])
    await upload(
        "content_metrics",
        [metrics(1, "2024-03-01", views=10), metrics(1, "2024-03-02", views=20, revenue="1.50")],
    )
    corrected = await upload("content_metrics", [metrics(1, "2024-03-02", views=25)])
    assert (corrected.records_inserted, corrected.records_updated) == (0, 1)
    days = await rows(sessions, m.ContentMetrics, workspace, m.ContentMetrics.date)
    assert [(str(d.date), d.views, str(d.revenue)) for d in days] == [
        ("2024-03-01", 10, "0.00"),
        ("2024-03-02", 25, "0.00"),
    ]


async def test_generated_ids_carry_the_spec_prefixes(upload, sessions, workspace):
    await upload("email_sequences", [{"name": "Onboarding", "created_at": at()}])
    (seq,) = await rows(sessions, m.EmailSequence, workspace)
    await upload("sequence_steps", [{"sequence_id": seq.id, "position": 1, "name": "Welcome"}])
    await upload(
        "touchpoints",
        [{"visitor_id": "v1", "channel": "blog", "stage": "visit", "occurred_at": at()}],
    )
    (stp,) = await rows(sessions, m.SequenceStep, workspace)
    (tp,) = await rows(sessions, m.Touchpoint, workspace)
    assert seq.id.startswith("seq_") and stp.id.startswith("step_") and tp.id.startswith("tp_")


async def test_integration_config_never_holds_credentials(upload):
    record = {
        "id": "int_tiktok",
        "name": "TikTok",
        "provider": "tiktok",
        "config": {"clientKey": "k", "auth": {"clientSecret": "s"}},
    }
    with pytest.raises(IngestionRejected) as caught:
        await upload("integrations", [record])
    assert caught.value.errors[0].index == 0
    assert "auth.clientSecret" in caught.value.errors[0].message


async def test_touchpoints_and_channel_days(upload, sessions, workspace):
    bad = {"visitor_id": "v1", "channel": "Blog!", "stage": "visit", "occurred_at": at()}
    priced_visit = {**bad, "channel": "blog", "revenue": "5"}
    with pytest.raises(IngestionRejected) as caught:
        await upload("touchpoints", [bad, priced_visit])
    assert [(e.index, e.field) for e in caught.value.errors] == [(0, "channel"), (1, None)]

    day = {"channel": "tiktok", "date": "2024-03-01", "revenue": "450", "traffic": 1520}
    await upload("channel_metrics", [day])
    await upload("channel_metrics", [{**day, "traffic": 1600}])
    async with sessions() as session:
        total = await session.scalar(
            select(func.sum(m.ChannelDailyMetrics.traffic)).where(
                m.ChannelDailyMetrics.workspace_id == workspace
            )
        )
    assert total == 1600


async def test_steps_need_their_sequence_in_the_same_workspace(upload):
    await upload("email_sequences", [sequence(1)], workspace_id="ws_default")
    with pytest.raises(IngestionRejected) as caught:
        await upload("sequence_steps", [step(1, 1)])
    assert [(e.index, e.field) for e in caught.value.errors] == [(0, "sequence_id")]
