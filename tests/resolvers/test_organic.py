"""Spec 003 in the graph: content with metrics and calendar, email campaigns, sequences and
leads, integrations and the activity feed; batched, and scoped to one workspace."""

from __future__ import annotations

import pytest

from gateway.database import transaction
from models.base import new_id
from models.tenancy import DashboardAccount, Workspace, WorkspaceMember
from tests.utils.builders import at
from tests.utils.organic_builders import (
    campaign,
    content,
    enrollment,
    lead,
    metrics,
    sequence,
    step,
)


@pytest.fixture
async def other_workspace(sessions):  # type: ignore[no-untyped-def]
    """A second, empty workspace."""
    other = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=other, name="Elsewhere", slug=other))
    return other


@pytest.fixture
async def accounts(sessions, workspace, other_workspace):  # type: ignore[no-untyped-def]
    """A member of the test's workspace and an outsider (member elsewhere only)."""
    member, outsider = new_id("usr"), new_id("usr")
    async with transaction(sessions) as session:
        session.add(DashboardAccount(id=member, email=f"{member}@example.com", name="Mia Member"))
        session.add(DashboardAccount(id=outsider, email=f"{outsider}@example.com", name="Oz"))
        await session.flush()
        session.add(WorkspaceMember(workspace_id=workspace, account_id=member, role="owner"))
        session.add(WorkspaceMember(workspace_id=other_workspace, account_id=outsider))
    return member, outsider


@pytest.fixture
async def content_set(upload, accounts):  # type: ignore[no-untyped-def]
    member, outsider = accounts
    await upload(
        "content",
        [
            content(1, status="published", published_at="2024-03-01T09:00:00Z", created_by=member),
            content(2, type="blog", status="scheduled", scheduled_at="2024-03-02T10:00:00Z"),
            content(3, type="email", title="Spring promo_100%", body="Save big"),
            content(4, title="Promo teaser", created_by=outsider),
        ],
    )
    await upload(
        "content_metrics",
        [
            metrics(1, "2024-03-01", views=1000, likes=80, shares=10, revenue="99.90"),
            metrics(1, "2024-03-02", views=250, likes=9, shares=2, saves=4, revenue="50.05"),
        ],
    )
    return accounts


CONTENT = """
query($filter: ContentFilter) {
  contentItems(filter: $filter) {
    totalCount
    nodes { id type status title metrics { views likes shares saves revenue }
            createdBy { id name } }
  }
}"""


async def test_content_with_metric_totals_and_author(content_set, graphql):
    member, _ = content_set
    result = await graphql(CONTENT)
    assert result.errors is None, result.errors
    page = result.data["contentItems"]
    assert page["totalCount"] == 4
    assert [n["id"] for n in page["nodes"]] == ["cnt_4", "cnt_3", "cnt_2", "cnt_1"]
    first = page["nodes"][3]
    assert first["metrics"] == {
        "views": 1250,
        "likes": 89,
        "shares": 12,
        "saves": 4,
        "revenue": "149.95",
    }
    assert first["createdBy"] == {"id": member, "name": "Mia Member"}
    assert page["nodes"][2]["metrics"]["views"] == 0
    # An account outside the workspace is never shown, even when a row names it.
    assert page["nodes"][0]["createdBy"] is None


async def test_content_filters_and_literal_search(content_set, graphql):
    async def ids(**filter):  # type: ignore[no-untyped-def]
        result = await graphql(CONTENT, {"filter": filter})
        assert result.errors is None, result.errors
        return [n["id"] for n in result.data["contentItems"]["nodes"]]

    assert await ids(type="BLOG") == ["cnt_2"]
    assert await ids(status="DRAFT") == ["cnt_4", "cnt_3"]
    assert await ids(search="promo") == ["cnt_4", "cnt_3"]
    assert await ids(search="o_1") == ["cnt_3"]  # `_` matches itself only
    assert await ids(search="100%") == ["cnt_3"]
    assert await ids(search="save BIG") == ["cnt_3"]


CALENDAR = """
query($start: Date!, $end: Date!, $types: [ContentType!]) {
  contentCalendar(startDate: $start, endDate: $end, types: $types) {
    date entries { time content { id type status } }
  }
}"""


async def test_calendar_groups_by_day_in_the_workspace_timezone(
    content_set, graphql, sessions, workspace
):
    async with transaction(sessions) as session:
        ws = await session.get(Workspace, workspace)
        ws.settings = {"timezone": "America/New_York"}
    result = await graphql(CALENDAR, {"start": "2024-03-01", "end": "2024-03-31"})
    assert result.errors is None, result.errors
    assert result.data["contentCalendar"] == [
        {
            "date": "2024-03-01",
            "entries": [
                {
                    "time": "04:00:00",
                    "content": {"id": "cnt_1", "type": "TIKTOK", "status": "PUBLISHED"},
                }
            ],
        },
        {
            "date": "2024-03-02",
            "entries": [
                {
                    "time": "05:00:00",
                    "content": {"id": "cnt_2", "type": "BLOG", "status": "SCHEDULED"},
                }
            ],
        },
    ]
    only_blog = await graphql(
        CALENDAR, {"start": "2024-03-01", "end": "2024-03-01", "types": ["BLOG"]}
    )
    assert only_blog.data["contentCalendar"] == []
    reversed_range = await graphql(CALENDAR, {"start": "2024-03-02", "end": "2024-03-01"})
    assert reversed_range.errors[0].extensions["code"] == "BAD_USER_INPUT"


EMAIL = """
query($type: CampaignType, $status: EmailCampaignStatus) {
  emailCampaigns(type: $type, status: $status) {
    nodes { id type status recipientCount
            metrics { sent opened clicked converted openRate conversionRate } }
  }
  emailSequences {
    nodes { id name steps { id position delaySeconds subject }
            metrics { enrolled completed converted } }
  }
}"""


async def _email_world(upload, campaigns: int = 2, sequences: int = 2) -> None:  # type: ignore[no-untyped-def]
    await upload(
        "email_campaigns",
        [
            campaign(
                n,
                type="sequence" if n % 2 else "one-time",
                sent=1250,
                opened=562,
                clicked=89,
                converted=12,
                recipient_count=450,
            )
            for n in range(1, campaigns + 1)
        ],
    )
    await upload("email_sequences", [sequence(n, status="active") for n in range(1, sequences + 1)])
    await upload(
        "sequence_steps",
        [step(n, p) for n in range(1, sequences + 1) for p in (2, 1, 3)],
    )
    await upload("leads", [lead(n) for n in range(1, 5)])
    await upload(
        "sequence_enrollments",
        [
            enrollment(1, 1),
            enrollment(1, 2, "completed"),
            enrollment(1, 3, "converted"),
            enrollment(1, 4, "completed"),
        ],
    )


async def test_campaigns_and_sequences_with_their_numbers(upload, graphql):
    await _email_world(upload)
    result = await graphql(EMAIL, {"type": "SEQUENCE"})
    assert result.errors is None, result.errors
    assert result.data["emailCampaigns"]["nodes"] == [
        {
            "id": "camp_1",
            "type": "SEQUENCE",
            "status": "ACTIVE",
            "recipientCount": 450,
            "metrics": {
                "sent": 1250,
                "opened": 562,
                "clicked": 89,
                "converted": 12,
                "openRate": 0.4496,
                "conversionRate": 0.0096,
            },
        }
    ]
    sequences = result.data["emailSequences"]["nodes"]
    assert [s["id"] for s in sequences] == ["seq_2", "seq_1"]
    first = sequences[1]
    assert [(s["id"], s["position"], s["delaySeconds"]) for s in first["steps"]] == [
        ("step_1_1", 1, 0),
        ("step_1_2", 2, 86400),
        ("step_1_3", 3, 172800),
    ]
    assert first["metrics"] == {"enrolled": 4, "completed": 2, "converted": 1}
    assert sequences[0]["metrics"] == {"enrolled": 0, "completed": 0, "converted": 0}
    paused = await graphql(EMAIL, {"status": "PAUSED"})
    assert paused.data["emailCampaigns"]["nodes"] == []


async def test_email_statements_do_not_grow_with_items(upload, graphql, count_statements):
    counts = {}
    for n in (3, 30):
        await _email_world(upload, campaigns=n, sequences=n)
        count_statements.count = 0
        result = await graphql(EMAIL)
        assert result.errors is None, result.errors
        assert len(result.data["emailSequences"]["nodes"]) == min(n, 20)
        assert all(len(s["steps"]) == 3 for s in result.data["emailSequences"]["nodes"])
        counts[n] = count_statements.count
    assert counts[3] == counts[30], counts


LEADS = """
query($filter: LeadFilter) {
  leads(filter: $filter) { totalCount nodes { id email tags status stats { emailsSent } } }
}"""


async def test_leads_filter_by_status_tags_and_search(upload, graphql):
    await upload(
        "leads",
        [
            lead(1, tags=["customer", "vip"], emails_sent=12),
            lead(2, tags=["customer"], status="unsubscribed"),
            lead(3, email="Zed@Sample.org", name="Zed"),
        ],
    )

    async def ids(**filter):  # type: ignore[no-untyped-def]
        result = await graphql(LEADS, {"filter": filter})
        assert result.errors is None, result.errors
        return [n["id"] for n in result.data["leads"]["nodes"]]

    assert await ids() == ["lead_3", "lead_2", "lead_1"]
    assert await ids(tags=["customer"]) == ["lead_2", "lead_1"]
    assert await ids(tags=["customer", "vip"]) == ["lead_1"]
    assert await ids(status="UNSUBSCRIBED") == ["lead_2"]
    assert await ids(search="sample.ORG") == ["lead_3"]
    assert await ids(search="reader 1") == ["lead_1"]
    result = await graphql(LEADS, {"filter": {"tags": ["vip"]}})
    assert result.data["leads"]["nodes"][0] == {
        "id": "lead_1",
        "email": "reader1@example.com",
        "tags": ["customer", "vip"],
        "status": "ACTIVE",
        "stats": {"emailsSent": 12},
    }


async def test_integrations_and_activity_feed(upload, graphql, accounts):
    member, _ = accounts
    await upload(
        "integrations",
        [
            {
                "id": "int_tiktok",
                "name": "TikTok",
                "provider": "tiktok",
                "status": "connected",
                "config": {"accounts": [{"username": "@decklab"}]},
                "last_sync_at": at(),
            },
            {"id": "int_mcf", "name": "Amazon MCF", "provider": "amazon_mcf"},
        ],
    )
    await upload(
        "activities",
        [
            {
                "id": "act_1",
                "type": "content_published",
                "title": "Clip live",
                "actor_id": member,
                "metadata": {"contentId": "cnt_1"},
                "occurred_at": at(0, 1),
            },
            {"id": "act_2", "type": "lead_created", "title": "New lead", "occurred_at": at(0, 2)},
            {
                "id": "act_3",
                "type": "content_published",
                "title": "Post live",
                "occurred_at": at(0, 3),
            },
        ],
    )
    query = """
    query($types: [String!]) {
      integrations { id name status config lastSyncAt }
      activities(types: $types, first: 1) {
        totalCount pageInfo { hasNextPage }
        nodes { id title metadata actor { name } }
      }
      all: activities { nodes { id } }
    }"""
    result = await graphql(query, {"types": ["content_published"]})
    assert result.errors is None, result.errors
    assert result.data["integrations"] == [
        {
            "id": "int_mcf",
            "name": "Amazon MCF",
            "status": "DISCONNECTED",
            "config": None,
            "lastSyncAt": None,
        },
        {
            "id": "int_tiktok",
            "name": "TikTok",
            "status": "CONNECTED",
            "config": {"accounts": [{"username": "@decklab"}]},
            "lastSyncAt": "2024-03-01T12:00:00+00:00",
        },
    ]
    feed = result.data["activities"]
    assert feed["totalCount"] == 2 and feed["pageInfo"]["hasNextPage"] is True
    assert feed["nodes"] == [{"id": "act_3", "title": "Post live", "metadata": {}, "actor": None}]
    assert [n["id"] for n in result.data["all"]["nodes"]] == ["act_3", "act_2", "act_1"]


async def test_node_finds_every_spec_003_prefix(upload, graphql):
    await _email_world(upload, campaigns=1, sequences=1)
    await upload("content", [content(1)])
    await upload(
        "generation_jobs",
        [
            {
                "id": "job_1",
                "platform": "tiktok",
                "product": "Deck",
                "content_type": "demo",
                "status": "complete",
                "progress": 100,
                "result": {"title": "Generated"},
                "created_at": at(),
            }
        ],
    )
    await upload("integrations", [{"id": "int_gmail", "name": "Gmail", "provider": "gmail"}])
    await upload("activities", [{"id": "act_1", "type": "x", "title": "T", "occurred_at": at()}])
    await upload("custom_reports", [{"id": "rpt_1", "name": "Monthly", "created_at": at()}])
    await upload(
        "analytics_exports",
        [
            {
                "id": "exp_1",
                "data": "channel_performance",
                "start_date": "2024-03-01",
                "end_date": "2024-03-31",
                "created_at": at(),
            }
        ],
    )
    ids = [
        "cnt_1",
        "job_1",
        "camp_1",
        "seq_1",
        "step_1_1",
        "lead_1",
        "int_gmail",
        "act_1",
        "rpt_1",
        "exp_1",
    ]
    fields = " ".join(
        f'n{i}: node(id: "{node_id}") {{ __typename id }}' for i, node_id in enumerate(ids)
    )
    result = await graphql(
        f'{{ {fields} generationJob(id: "job_1") {{ status progress result }} }}'
    )
    assert result.errors is None, result.errors
    assert [result.data[f"n{i}"]["__typename"] for i in range(len(ids))] == [
        "ContentItem",
        "GenerationJob",
        "EmailCampaign",
        "EmailSequence",
        "SequenceStep",
        "Lead",
        "Integration",
        "Activity",
        "CustomReport",
        "AnalyticsExport",
    ]
    assert result.data["generationJob"] == {
        "status": "COMPLETE",
        "progress": 100,
        "result": {"title": "Generated"},
    }


async def test_other_workspaces_see_nothing(upload, graphql, content_set, other_workspace):
    await _email_world(upload)
    query = """{
      contentItems { totalCount } contentItem(id: "cnt_1") { id }
      contentCalendar(startDate: "2024-03-01", endDate: "2024-03-31") { date }
      emailCampaigns { totalCount } emailSequences { totalCount } leads { totalCount }
      integrations { id } activities { totalCount } node(id: "lead_1") { id }
    }"""
    result = await graphql(query, workspace_id=other_workspace)
    assert result.errors is None, result.errors
    assert result.data == {
        "contentItems": {"totalCount": 0},
        "contentItem": None,
        "contentCalendar": [],
        "emailCampaigns": {"totalCount": 0},
        "emailSequences": {"totalCount": 0},
        "leads": {"totalCount": 0},
        "integrations": [],
        "activities": {"totalCount": 0},
        "node": None,
    }
