"""The full response body of every spec 000 route on the fixed dataset (tests/rest/dataset.py).
Regenerate after a reviewed change with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import delete

from gateway.database import transaction
from models.system import Webhook

GOLDEN = Path(__file__).parent / "golden"
LIVE = {"apiLatency", "activeConnections", "serverUptime"}  # measured, not data

CASES = {
    "dashboard_summary": "/api/marketing/dashboard/summary",
    "dashboard_health": "/api/marketing/dashboard/health",
    "users_stats": "/api/marketing/users/stats",
    "users_growth": "/api/marketing/users/growth?period=30d&granularity=week",
    "users_retention": "/api/marketing/users/retention?period=30d&cohort=weekly",
    "users_segments": "/api/marketing/users/segments",
    "characters_stats": "/api/marketing/characters/stats",
    "characters_top_performing": "/api/marketing/characters/top-performing?limit=2",
    "characters_categories": "/api/marketing/characters/categories",
    "characters_engagement": "/api/marketing/characters/engagement?period=7d",
    "engagement_messages": "/api/marketing/engagement/messages?period=30d",
    "engagement_images": "/api/marketing/engagement/images?period=7d",
    "engagement_sessions": "/api/marketing/engagement/sessions?period=7d",
    "engagement_favorites": "/api/marketing/engagement/favorites",
    "revenue_summary": "/api/marketing/revenue/summary",
    "revenue_timeline": "/api/marketing/revenue/timeline?period=7d",
    "revenue_subscriptions": "/api/marketing/revenue/subscriptions",
    "revenue_conversions": "/api/marketing/revenue/conversions",
    "creators_stats": "/api/marketing/creators/stats",
    "creators_top": "/api/marketing/creators/top",
    "content_stats": "/api/marketing/content/stats",
    "geo_distribution": "/api/marketing/geo/distribution",
    "features_usage": "/api/marketing/features/usage",
    "export_users": "/api/marketing/export/users?period=all",
    "export_characters": "/api/marketing/export/characters?period=all",
    "export_revenue": "/api/marketing/export/revenue?period=30d",
}


async def test_golden_bodies(api_data) -> None:
    mismatches = []
    for name, path in CASES.items():
        response = await api_data.get(path)
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        for key in LIVE & set(body["data"]):
            body["data"][key] = "<live>"
        file = GOLDEN / f"{name}.json"
        if os.environ.get("UPDATE_GOLDEN"):
            file.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        elif json.loads(file.read_text()) != body:
            mismatches.append(name)
    assert not mismatches


async def test_webhook_registration_golden(api_data, sessions) -> None:
    response = await api_data.post(
        "/api/marketing/webhooks/register",
        json={
            "url": "https://93.184.215.14/hooks",  # a public address: the SSRF guard resolves names
            "events": ["user.registered"],
            "secret": "s3cret-value",
        },
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["webhookId"].startswith("webhook_")
    assert (data["url"], data["events"], data["status"]) == (
        "https://93.184.215.14/hooks",
        ["user.registered"],
        "active",
    )
    # Gone again: a relay running later in this process must never deliver to it.
    async with transaction(sessions) as session:
        await session.execute(delete(Webhook).where(Webhook.id == data["webhookId"]))
