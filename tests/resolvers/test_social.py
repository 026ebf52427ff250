"""Spec 004 in the graph: exact derived figures, batching, filters, isolation, node()."""

from __future__ import annotations

from tests.utils.social_builders import (
    account,
    agent_report,
    campaign,
    campaign_day,
    post,
    post_metrics,
)

CAMPAIGNS = """
query($first: Int, $status: AdCampaignStatus) {
  adCampaigns(first: $first, status: $status, orderBy: CREATED_AT, direction: ASC) {
    totalCount
    nodes {
      id name
      budget { total daily spent remaining }
      performance { impressions clicks conversions spend revenue ctr cpc cpa roas }
      targeting { ageRange interests locations }
      creative { headline media { type url } }
      posts(limit: 5) { id }
    }
  }
}
"""

POSTS = """
query($first: Int, $filter: PostFilter, $orderBy: PostSortField! = CREATED_AT) {
  posts(first: $first, filter: $filter, orderBy: $orderBy) {
    totalCount
    nodes {
      id status
      performance { views likes comments shares engagementRate clickThroughRate }
      campaign { id name budget { remaining } }
    }
  }
}
"""


async def _dataset(upload) -> None:  # type: ignore[no-untyped-def]
    await upload("ad_campaigns", [campaign(1), campaign(2, status="paused")])
    # Two days that add up to the spec's example campaign.
    await upload(
        "campaign_metrics",
        [
            campaign_day(
                1,
                "2024-03-01",
                impressions=100000,
                clicks=2000,
                conversions=80,
                spend="2000.00",
                revenue="7600.00",
            ),
            campaign_day(
                1,
                "2024-03-02",
                impressions=25000,
                clicks=340,
                conversions=9,
                spend="340.00",
                revenue="1292.00",
            ),
        ],
    )
    await upload(
        "posts",
        [
            post(1, 1, status="published", published_at="2024-03-02T09:00:00Z"),
            post(2, 1, status="published", published_at="2024-03-02T10:00:00Z"),
            post(3, None, status="scheduled", scheduled_at="2024-03-09T10:00:00Z"),
        ],
    )
    counters = {"views": 12500, "likes": 245, "comments": 32, "shares": 18, "clicks": 262}
    await upload(
        "post_metrics", [post_metrics(1, **counters), post_metrics(2, **counters, reach=7000)]
    )


async def test_campaign_budget_and_performance_are_exact(upload, graphql):
    await _dataset(upload)
    result = await graphql(CAMPAIGNS)
    assert result.errors is None, result.errors
    first, second = result.data["adCampaigns"]["nodes"]
    assert first["budget"] == {
        "total": "5000.00",
        "daily": "100.00",
        "spent": "2340.00",
        "remaining": "2660.00",
    }
    # 2340 / 125000 = 1.872% ; 2340 / 2340 ; 2340 / 89 = 26.292 ; 8892 / 2340 = 3.8
    assert first["performance"] == {
        "impressions": 125000,
        "clicks": 2340,
        "conversions": 89,
        "spend": "2340.00",
        "revenue": "8892.00",
        "ctr": 1.87,
        "cpc": "1.00",
        "cpa": "26.29",
        "roas": 3.8,
    }
    assert first["targeting"] == {
        "ageRange": "25-45",
        "interests": ["gardening"],
        "locations": ["Canada"],
    }
    assert first["creative"] == {
        "headline": "Grow more",
        "media": [{"type": "image", "url": "https://x/1"}],
    }
    assert [p["id"] for p in first["posts"]] == ["post_2", "post_1"]
    # No metrics yet: nothing spent, ratios undefined rather than zero.
    assert second["budget"]["remaining"] == "5000.00"
    assert second["performance"] == {
        "impressions": 0,
        "clicks": 0,
        "conversions": 0,
        "spend": "0.00",
        "revenue": "0.00",
        "ctr": None,
        "cpc": None,
        "cpa": None,
        "roas": None,
    }
    assert second["posts"] == []


async def test_campaigns_filter_by_status(upload, graphql):
    await _dataset(upload)
    result = await graphql(CAMPAIGNS, {"status": "PAUSED"})
    assert result.errors is None, result.errors
    assert [c["id"] for c in result.data["adCampaigns"]["nodes"]] == ["camp_2"]


async def test_post_performance_and_campaign(upload, graphql):
    await _dataset(upload)
    result = await graphql(POSTS)
    assert result.errors is None, result.errors
    by_id = {p["id"]: p for p in result.data["posts"]["nodes"]}
    # 295 interactions: per 12500 views (no reach reported) and per 7000 accounts reached.
    assert by_id["post_1"]["performance"] == {
        "views": 12500,
        "likes": 245,
        "comments": 32,
        "shares": 18,
        "engagementRate": 2.36,
        "clickThroughRate": 2.1,
    }
    assert by_id["post_2"]["performance"]["engagementRate"] == 4.21
    assert by_id["post_3"]["performance"] is None
    assert by_id["post_1"]["campaign"] == {
        "id": "camp_1",
        "name": "Harvest push 1",
        "budget": {"remaining": "2660.00"},
    }
    assert by_id["post_3"]["campaign"] is None


async def test_posts_filters_and_sorts(upload, graphql):
    await _dataset(upload)

    async def ids(variables):  # type: ignore[no-untyped-def]
        result = await graphql(POSTS, variables)
        assert result.errors is None, result.errors
        return [p["id"] for p in result.data["posts"]["nodes"]]

    assert await ids({}) == ["post_3", "post_2", "post_1"]
    assert await ids({"orderBy": "PERFORMANCE"}) == ["post_2", "post_1", "post_3"]
    assert await ids({"orderBy": "SCHEDULED_AT"}) == ["post_3", "post_2", "post_1"]
    assert await ids({"filter": {"status": "SCHEDULED"}}) == ["post_3"]
    assert await ids({"filter": {"platform": "FACEBOOK"}}) == []
    assert await ids({"filter": {"search": "part 2"}}) == ["post_2"]
    assert await ids({"filter": {"campaignId": "camp_1"}}) == ["post_2", "post_1"]


async def test_performance_sort_pages_through_every_post_once(upload, graphql):
    await _dataset(upload)
    query = """query($after: String) { posts(first: 1, after: $after, orderBy: PERFORMANCE) {
      pageInfo { hasNextPage endCursor } nodes { id } } }"""
    seen, after = [], None
    while True:
        result = await graphql(query, {"after": after})
        assert result.errors is None, result.errors
        page = result.data["posts"]
        seen += [p["id"] for p in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["post_2", "post_1", "post_3"]


async def _many(upload, n: int) -> None:  # type: ignore[no-untyped-def]
    await upload("ad_campaigns", [campaign(i) for i in range(1, n + 1)])
    await upload(
        "campaign_metrics",
        [
            campaign_day(i, "2024-03-01", impressions=10 * i, clicks=i, spend="1")
            for i in range(1, n + 1)
        ],
    )
    await upload("posts", [post(i, i) for i in range(1, n + 1)])
    await upload("post_metrics", [post_metrics(i, views=i) for i in range(1, n + 1)])


async def test_statement_count_does_not_grow_with_items(
    upload, graphql, count_statements, workspace
):
    await _many(upload, 30)
    counts = {}
    for first in (3, 30):
        for query, field in ((POSTS, "posts"), (CAMPAIGNS, "adCampaigns")):
            count_statements.count = 0
            result = await graphql(query, {"first": first})
            assert result.errors is None, result.errors
            assert len(result.data[field]["nodes"]) == first
            counts[(field, first)] = count_statements.count
    assert counts[("posts", 3)] == counts[("posts", 30)], counts
    assert counts[("adCampaigns", 3)] == counts[("adCampaigns", 30)], counts


async def test_agents_with_latest_state_and_history(upload, graphql):
    await upload(
        "agent_status",
        [
            agent_report(
                "intelligence",
                0,
                name="Intelligence Agent",
                status="active",
                efficiency=94,
                tasks_completed=127,
                success_rate=98.5,
            ),
            agent_report("intelligence", 1, current_task="Reading competitor posts", progress=75),
            agent_report("content", 0, status="paused"),
        ],
    )
    query = """{ aiAgents { id name status efficiency currentTask tasksCompleted successRate
      progress history(limit: 5) { reportedAt status progress } } }"""
    result = await graphql(query)
    assert result.errors is None, result.errors
    content, intelligence = result.data["aiAgents"]
    assert (content["name"], content["status"]) == ("Content Agent", "paused")
    assert intelligence == {
        "id": "intelligence",
        "name": "Intelligence Agent",
        "status": "active",
        "efficiency": 94.0,
        "currentTask": "Reading competitor posts",
        "tasksCompleted": 127,
        "successRate": 98.5,
        "progress": 75,
        "history": [
            {"reportedAt": "2024-03-01T13:00:00+00:00", "status": None, "progress": 75},
            {"reportedAt": "2024-03-01T12:00:00+00:00", "status": "active", "progress": None},
        ],
    }
    paused = await graphql("{ aiAgents(status: PAUSED) { id } }")
    assert paused.data == {"aiAgents": [{"id": "content"}]}


async def test_accounts_and_settings(upload, graphql):
    await upload("social_accounts", [account(1), account(2, "facebook", is_connected=False)])
    await upload(
        "platform_metrics",
        [
            {
                "social_account_id": "social_1",
                "date": "2024-03-01",
                "reach": 3200,
                "engagement": 245,
            },
            {
                "social_account_id": "social_1",
                "date": "2024-03-02",
                "reach": 3450,
                "engagement": 267,
            },
        ],
    )
    await upload(
        "business_settings",
        [
            {
                "company_name": "Meadowlark Seeds",
                "marketing": {"brand_voice": "friendly"},
                "updated_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    await upload(
        "brand_settings",
        [
            {
                "colors": {"primary": "#3B82F6"},
                "assets": {"favicon": "https://x/f.ico"},
                "updated_at": "2024-03-01T00:00:00Z",
            }
        ],
    )
    query = """{
      socialAccounts(connected: true) { id platform followers dailyMetrics(days: 1) { date reach } }
      businessSettings { companyName contact { email } marketing { brandVoice } }
      brandSettings { colors { primary text } assets { favicon } guidelines { brandVoice } }
    }"""
    result = await graphql(query)
    assert result.errors is None, result.errors
    assert result.data == {
        "socialAccounts": [
            {
                "id": "social_1",
                "platform": "instagram",
                "followers": 1000,
                "dailyMetrics": [{"date": "2024-03-02", "reach": 3450}],
            }
        ],
        "businessSettings": {
            "companyName": "Meadowlark Seeds",
            "contact": {"email": None},
            "marketing": {"brandVoice": "friendly"},
        },
        "brandSettings": {
            "colors": {"primary": "#3B82F6", "text": None},
            "assets": {"favicon": "https://x/f.ico"},
            "guidelines": {"brandVoice": None},
        },
    }


async def test_node_finds_posts_campaigns_and_accounts(upload, graphql):
    await upload("social_accounts", [account(1)])
    await _dataset(upload)
    query = """query($a: ID!, $b: ID!, $c: ID!, $d: ID!) {
      a: node(id: $a) { __typename id }
      b: node(id: $b) { __typename ... on AdCampaign { name } }
      c: node(id: $c) { __typename id }
      d: node(id: $d) { id }
    }"""
    variables = {"a": "post_1", "b": "camp_2", "c": "social_1", "d": "camp_404"}
    result = await graphql(query, variables)
    assert result.errors is None, result.errors
    assert result.data == {
        "a": {"__typename": "SocialPost", "id": "post_1"},
        "b": {"__typename": "AdCampaign", "name": "Harvest push 2"},
        "c": {"__typename": "SocialAccount", "id": "social_1"},
        "d": None,
    }


async def test_other_workspaces_data_is_invisible(upload, graphql):
    await upload("social_accounts", [account(1)])
    await upload("agent_status", [agent_report("content", 0)])
    await upload("business_settings", [{"updated_at": "2024-03-01T00:00:00Z"}])
    await _dataset(upload)
    query = """{ posts { totalCount } adCampaigns { totalCount } aiAgents { id }
      socialAccounts { id } businessSettings { companyName } brandSettings { updatedAt }
      post(id: "post_1") { id } adCampaign(id: "camp_1") { id } node(id: "social_1") { id } }"""
    result = await graphql(query, workspace_id="ws_default")
    assert result.errors is None, result.errors
    assert result.data == {
        "posts": {"totalCount": 0},
        "adCampaigns": {"totalCount": 0},
        "aiAgents": [],
        "socialAccounts": [],
        "businessSettings": None,
        "brandSettings": None,
        "post": None,
        "adCampaign": None,
        "node": None,
    }
