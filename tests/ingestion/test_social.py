"""Spec 004 ingestion: validation with row indexes, agent status history and state,
one-per-workspace settings, references within the workspace."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.ingestion import IngestionRejected
from models import social as m
from tests.utils.social_builders import account, agent_report, campaign, campaign_day, post


async def rows(sessions, model, workspace):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return (await session.scalars(select(model).where(model.workspace_id == workspace))).all()


def reasons(caught: pytest.ExceptionInfo[IngestionRejected]) -> list[tuple[int, str]]:
    return [(e.index, e.message) for e in caught.value.errors]


async def test_campaign_validation_names_each_bad_row(upload, sessions, workspace):
    records = [
        campaign(1),
        campaign(2, budget_total="-1"),
        campaign(3, budget_daily="6000.00"),
        campaign(4, end_at="2024-02-01T00:00:00Z"),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("ad_campaigns", records)
    assert reasons(caught) == [
        (1, "Input should be greater than or equal to 0"),
        (2, "Value error, budget_daily exceeds budget_total"),
        (3, "Value error, end_at must be after start_at"),
    ]
    assert caught.value.errors[0].field == "budget_total"
    assert await rows(sessions, m.AdCampaign, workspace) == []


async def test_post_validation_names_each_bad_row(upload):
    records = [
        post(1),
        post(2, ai_confidence=1.5),
        post(3, status="scheduled"),
        post(4, status="published"),
        post(5, platform="myspace"),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("posts", records)
    assert [(e.index, e.field) for e in caught.value.errors] == [
        (1, "ai_confidence"),
        (2, None),
        (3, None),
        (4, "platform"),
    ]
    assert caught.value.errors[1].message == "Value error, a scheduled post needs scheduled_at"
    assert caught.value.errors[2].message == "Value error, a published post needs published_at"


async def test_metrics_validation(upload):
    await upload("ad_campaigns", [campaign(1)])
    records = [
        campaign_day(1, "2024-03-01", impressions=10, clicks=11),
        campaign_day(1, "2024-03-02", spend="-3"),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("campaign_metrics", records)
    assert reasons(caught) == [
        (0, "Value error, clicks exceed impressions"),
        (1, "Input should be greater than or equal to 0"),
    ]


async def test_posts_must_name_a_campaign_of_the_same_workspace(upload):
    await upload("ad_campaigns", [campaign(1)])
    with pytest.raises(IngestionRejected) as caught:
        await upload("posts", [post(1, 1), post(2, 9)])
    assert reasons(caught) == [(1, "unknown campaign_id 'camp_9' (not in ad_campaigns)")]
    with pytest.raises(IngestionRejected):
        await upload("posts", [post(1, 1)], workspace_id="ws_default")


async def test_generated_ids_use_the_spec_prefixes(upload, sessions, workspace):
    await upload("social_accounts", [{**account(1), "id": None}])
    await upload("ad_campaigns", [{**campaign(1), "id": None}])
    await upload("posts", [{**post(1), "id": None}])
    for model, prefix in ((m.SocialAccount, "social_"), (m.AdCampaign, "camp_"), (m.Post, "post_")):
        [row] = await rows(sessions, model, workspace)
        assert row.id.startswith(prefix)


async def test_campaign_days_are_corrected_by_resending(upload, sessions, workspace):
    await upload("ad_campaigns", [campaign(1)])
    await upload("campaign_metrics", [campaign_day(1, "2024-03-01", impressions=10, spend="1")])
    again = await upload(
        "campaign_metrics", [campaign_day(1, "2024-03-01", impressions=12, spend="1.5")]
    )
    assert (again.records_inserted, again.records_updated) == (0, 1)
    [day] = await rows(sessions, m.CampaignMetrics, workspace)
    assert (day.impressions, str(day.spend)) == (12, "1.50")


async def test_agent_reports_keep_history_and_move_the_agent_forward(upload, sessions, workspace):
    first = agent_report(
        "content",
        0,
        status="active",
        efficiency=96,
        current_task="Drafting a carousel",
        tasks_completed=10,
        priority="high",
    )
    await upload("agent_status", [first])
    # A partial update: what it leaves out stays as it was.
    await upload("agent_status", [agent_report("content", 2, efficiency=97, progress=40)])
    # A late report older than the agent's state goes to the history only.
    await upload("agent_status", [agent_report("content", 1, status="error")])
    # Re-sending a report (same agent and time) changes nothing.
    again = await upload("agent_status", [first])
    assert again.records_inserted == 0

    [agent] = await rows(sessions, m.AiAgent, workspace)
    assert (agent.id, agent.name, agent.status) == ("content", "Content Agent", "active")
    assert (agent.efficiency, agent.progress, agent.current_task) == (97, 40, "Drafting a carousel")
    assert (agent.tasks_completed, agent.priority) == (10, "high")
    assert agent.last_update.isoformat() == "2024-03-01T14:00:00+00:00"
    async with sessions() as session:
        history = await session.scalar(
            select(func.count())
            .select_from(m.AgentStatusReport)
            .where(m.AgentStatusReport.workspace_id == workspace)
        )
    assert history == 3


async def test_agent_report_validation(upload):
    records = [
        agent_report("Intelligence!", 0),
        agent_report("strategy", 0, efficiency=101),
        agent_report("learning", 0, priority="urgent"),
    ]
    with pytest.raises(IngestionRejected) as caught:
        await upload("agent_status", records)
    assert [(e.index, e.field) for e in caught.value.errors] == [
        (0, "agent_id"),
        (1, "efficiency"),
        (2, "priority"),
    ]


async def test_settings_are_one_row_per_workspace(upload, sessions, workspace):
    business = {
        "company_name": "Meadowlark Seeds",
        "founded_year": 2015,
        "contact": {"email": "hi@meadowlark.example"},
        "updated_at": "2024-03-01T00:00:00Z",
    }
    await upload("business_settings", [business])
    await upload("business_settings", [{**business, "company_name": "Meadowlark Seeds Co."}])
    [row] = await rows(sessions, m.BusinessSettings, workspace)
    assert row.company_name == "Meadowlark Seeds Co."
    assert row.contact == {"email": "hi@meadowlark.example"}
    assert row.marketing == {"business_objectives": []}

    with pytest.raises(IngestionRejected) as caught:
        await upload(
            "brand_settings",
            [{"colors": {"primary": "blue"}, "updated_at": "2024-03-01T00:00:00Z"}],
        )
    assert [(e.index, e.field) for e in caught.value.errors] == [(0, "colors.primary")]
