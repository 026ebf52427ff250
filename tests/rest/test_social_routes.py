"""Spec 004's posts, campaigns and settings routes against the spec's own examples
(tests/rest/spec004/examples.json, taken from the spec): status, keys at every level and
JSON types; the filters, pages and summaries; validation and tenancy; the domain events
each write records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gateway.database import transaction
from models.base import new_id
from models.events import DomainEvent
from models.tenancy import Workspace
from tests.rest.test_organic_routes import same_shape
from tests.utils.social_builders import campaign, campaign_day, post, post_metrics

EXAMPLES = json.loads((Path(__file__).parent / "spec004" / "examples.json").read_text())


def example(route: str, label: str = "Response (200)") -> Any:
    return EXAMPLES[route][label]


def check(response: Any, route: str, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    documented = example(route, f"Response ({status})")
    assert set(body) == set(documented)
    assert body["success"] is True
    if "data" in documented:
        same_shape(body["data"], documented["data"])
    return body


async def _events(sessions: Any, workspace: str, type: str) -> list[dict[str, Any]]:
    async with sessions() as session:
        rows = await session.scalars(
            select(DomainEvent)
            .where(DomainEvent.workspace_id == workspace, DomainEvent.type == type)
            .order_by(DomainEvent.created_at)
        )
        return [row.payload for row in rows]


async def _dataset(upload: Any) -> None:
    await upload("ad_campaigns", [campaign(1), campaign(2, status="paused")])
    await upload(
        "campaign_metrics",
        [
            campaign_day(
                1,
                "2024-03-01",
                impressions=125000,
                clicks=2340,
                conversions=89,
                spend="2340.00",
                revenue="8892.00",
            )
        ],
    )
    await upload(
        "posts",
        [
            post(1, 1, status="published", published_at="2024-03-02T09:00:00Z"),
            post(2, None, status="published", published_at="2024-03-02T10:00:00Z"),
            post(3, None, status="scheduled", scheduled_at="2024-03-20T10:00:00Z"),
            post(4, None, platform="instagram", title="Compost basics"),
        ],
    )
    await upload(
        "post_metrics",
        [
            # (245 + 32 + 18) / 12500 = 2.36 % ; (100 + 0 + 0) / 1000 = 10 %
            post_metrics(1, views=12500, likes=245, comments=32, shares=18, clicks=262),
            post_metrics(2, views=1000, likes=100, comments=0, shares=0, clicks=10),
        ],
    )


async def test_post_list_matches_the_example_with_filters_pages_and_summary(api, upload):
    await _dataset(upload)
    body = check(await api.get("/v1/posts"), "GET /v1/posts")
    data = body["data"]
    assert [p["id"] for p in data["posts"]] == ["post_4", "post_3", "post_2", "post_1"]
    first = next(p for p in data["posts"] if p["id"] == "post_1")
    assert first["performance"] == {
        "views": 12500,
        "likes": 245,
        "comments": 32,
        "shares": 18,
        "engagementRate": 2.36,
        "clickThroughRate": 2.1,
    }
    assert first["publishedAt"] == "2024-03-02T09:00:00Z"
    assert data["summary"] == {
        "totalPosts": 4,
        "published": 2,
        "scheduled": 1,
        "drafts": 1,
        "avgEngagement": 6.18,  # (2.36 + 10) / 2
    }
    assert data["pagination"] == {
        "currentPage": 1,
        "totalPages": 1,
        "totalItems": 4,
        "itemsPerPage": 20,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }

    page = (await api.get("/v1/posts", params={"limit": 3, "page": 2})).json()["data"]
    assert [p["id"] for p in page["posts"]] == ["post_1"]
    assert page["pagination"]["totalPages"] == 2 and page["pagination"]["hasPreviousPage"]

    published = (await api.get("/v1/posts", params={"status": "published"})).json()["data"]
    assert {p["id"] for p in published["posts"]} == {"post_1", "post_2"}
    assert published["summary"]["totalPosts"] == 4  # the summary ignores the status filter

    by_platform = await api.get("/v1/posts", params={"platform": "instagram"})
    assert [p["id"] for p in by_platform.json()["data"]["posts"]] == ["post_4"]
    searched = await api.get("/v1/posts", params={"search": "compost"})
    assert [p["id"] for p in searched.json()["data"]["posts"]] == ["post_4"]
    best = await api.get("/v1/posts", params={"sortBy": "performance", "sortOrder": "desc"})
    assert [p["id"] for p in best.json()["data"]["posts"]][:2] == ["post_2", "post_1"]


async def test_post_list_rejects_bad_parameters_in_the_family_envelope(api):
    for params in ({"limit": 101}, {"status": "archived"}, {"sortBy": "likes"}, {"page": 0}):
        response = await api.get("/v1/posts", params=params)
        assert response.status_code == 422, params
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR"
        assert {"code", "message", "details", "timestamp", "requestId"} <= set(error)


async def test_create_update_delete_post_as_documented_with_post_status_events(
    api, sessions, workspace
):
    sent = example("POST /v1/posts", "Request")
    created = check(await api.post("/v1/posts", json=sent), "POST /v1/posts", 201)["data"]
    assert created["id"].startswith("post_")
    for key in ("title", "content", "platform", "postType", "status", "media", "hashtags"):
        assert created[key] == sent[key], key
    assert created["scheduledAt"] == "2024-09-16T10:00:00Z"

    change = example("PUT /v1/posts/:id", "Request")
    response = await api.put(f"/v1/posts/{created['id']}", json=change)
    updated = check(response, "PUT /v1/posts/:id")["data"]
    assert updated["status"] == "scheduled" and updated["title"] == "Updated Post Title"
    assert updated["scheduledAt"] == "2024-09-16T12:00:00Z"

    listed = (await api.get("/v1/posts")).json()["data"]["posts"]
    assert [p["status"] for p in listed] == ["scheduled"]

    statuses = await _events(sessions, workspace, "post_status")
    assert [(e["postId"], e["status"]) for e in statuses] == [
        (created["id"], "draft"),
        (created["id"], "scheduled"),
    ]
    assert statuses[0] == {
        "postId": created["id"],
        "status": "draft",
        "publishedAt": None,
        "platform": "instagram",
    }

    deleted = await api.delete(f"/v1/posts/{created['id']}")
    check(deleted, "DELETE /v1/posts/:id")
    assert deleted.json()["message"] == "Post deleted successfully"
    gone = await api.delete(f"/v1/posts/{created['id']}")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "RESOURCE_NOT_FOUND"


async def test_post_writes_reject_bad_input_without_writing(api, sessions, workspace):
    bad = [
        {"content": "x", "platform": "myspace"},
        {"content": "", "platform": "instagram"},
        {"content": "x", "platform": "instagram", "status": "published"},
        {"content": "x", "platform": "instagram", "status": "scheduled"},  # no scheduledAt
        {"content": "x", "platform": "instagram", "scheduledAt": "tomorrow"},
        {"content": "x", "platform": "instagram", "media": [{"type": "image", "url": "x"}]},
        {"content": "x", "platform": "instagram", "surprise": 1},
    ]
    for body in bad:
        response = await api.post("/v1/posts", json=body)
        assert response.status_code in (400, 422), (body, response.text)
        assert response.json()["success"] is False
    assert (await api.get("/v1/posts")).json()["data"]["summary"]["totalPosts"] == 0
    assert await _events(sessions, workspace, "post_status") == []
    missing = await api.put("/v1/posts/post_nothing", json={"title": "x"})
    assert missing.status_code == 404


async def test_another_workspaces_posts_and_campaigns_are_invisible(api, upload, sessions):
    await _dataset(upload)
    other = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=other, name="Other", slug=other))
    api.caller.principal = api.caller.principal.__class__(workspace_id=other, subject="test")
    assert (await api.get("/v1/posts")).json()["data"]["posts"] == []
    assert (await api.get("/v1/campaigns")).json()["data"]["campaigns"] == []
    assert (await api.put("/v1/posts/post_4", json={"title": "x"})).status_code == 404
    assert (await api.delete("/v1/posts/post_4")).status_code == 404


async def test_campaign_list_and_create_as_documented(api, upload, sessions, workspace):
    await _dataset(upload)
    body = check(await api.get("/v1/campaigns"), "GET /v1/campaigns")
    data = body["data"]
    one = next(c for c in data["campaigns"] if c["id"] == "camp_1")
    assert one["budget"] == {"total": 5000, "daily": 100, "spent": 2340, "remaining": 2660}
    assert one["performance"] == {
        "impressions": 125000,
        "clicks": 2340,
        "conversions": 89,
        "ctr": 1.87,
        "cpc": 1,
        "cpa": 26.29,
        "roas": 3.8,
    }
    assert one["targeting"] == {
        "ageRange": "25-45",
        "interests": ["gardening"],
        "locations": ["Canada"],
    }
    assert data["summary"] == {
        "totalCampaigns": 2,
        "active": 1,
        "paused": 1,
        "completed": 0,
        "totalBudget": 10000,
        "totalSpent": 2340,
        "avgROAS": 3.8,
    }
    paused = (await api.get("/v1/campaigns", params={"status": "paused"})).json()["data"]
    assert [c["id"] for c in paused["campaigns"]] == ["camp_2"]

    sent = example("POST /v1/campaigns", "Request")
    response = await api.post("/v1/campaigns", json=sent)
    created = check(response, "POST /v1/campaigns", 201)["data"]
    assert created["status"] == "pending_review"
    assert created["budget"] == {"total": 3000, "daily": 50, "spent": 0, "remaining": 3000}
    updates = await _events(sessions, workspace, "campaign_update")
    assert updates[-1] == {
        "campaignId": created["id"],
        "performance": {"impressions": 0, "clicks": 0, "spent": 0},
        "timestamp": updates[-1]["timestamp"],
    }

    for bad in (
        {**sent, "budget": {"total": 10, "daily": 50}},
        {**sent, "type": "viral"},
        {
            **sent,
            "schedule": {"startDate": "2024-10-20T00:00:00Z", "endDate": "2024-09-20T00:00:00Z"},
        },
        {k: v for k, v in sent.items() if k != "name"},
    ):
        assert (await api.post("/v1/campaigns", json=bad)).status_code == 422, bad
    assert (await api.get("/v1/campaigns")).json()["data"]["summary"]["totalCampaigns"] == 3


async def test_business_and_brand_settings_as_documented(api, upload, sessions, workspace):
    empty = check(await api.get("/v1/settings/business"), "GET /v1/settings/business")
    assert empty["data"]["companyName"] is None
    check(await api.get("/v1/settings/brand"), "GET /v1/settings/brand")

    sent = example("PUT /v1/settings/business", "Request")
    response = await api.put("/v1/settings/business", json=sent)
    body = check(response, "PUT /v1/settings/business")
    assert {k: v for k, v in body["data"].items() if k != "updatedAt"} == sent

    more = {"industry": "Horticulture", "marketing": {"postingFrequency": "daily"}}
    assert (await api.put("/v1/settings/business", json=more)).status_code == 200
    saved = (await api.get("/v1/settings/business")).json()["data"]
    assert saved["companyName"] == "TechCorp Solutions Inc."
    assert saved["industry"] == "Horticulture"
    assert saved["marketing"]["brandVoice"] == "friendly"  # merged, not replaced
    assert saved["marketing"]["postingFrequency"] == "daily"
    notes = await _events(sessions, workspace, "notification")
    assert len(notes) == 2 and notes[0]["title"] == "Business Profile Updated"

    bad = await api.put("/v1/settings/business", json={"website": "not a url"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "website"


async def test_routes_are_documented_and_carry_rate_limit_headers(api):
    paths = (await api.get("/openapi.json")).json()["paths"]
    for path, methods in {
        "/v1/posts": {"get", "post"},
        "/v1/posts/{post_id}": {"put", "delete"},
        "/v1/campaigns": {"get", "post"},
        "/v1/settings/business": {"get", "put"},
        "/v1/settings/brand": {"get"},
        "/v1/social/accounts": {"get"},
        "/v1/dashboard/metrics": {"get"},
        "/v1/dashboard/agents": {"get"},
        "/v1/analytics/overview": {"get"},
        "/v1/analytics/trends": {"get"},
        "/v1/analytics/platforms": {"get"},
        "/v1/social/connect": {"post"},
        "/v1/social/accounts/{account_id}": {"delete"},
    }.items():
        assert methods <= set(paths[path]), path
    response = await api.get("/v1/posts")
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(
        response.headers
    )
