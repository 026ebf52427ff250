"""Spec 004 records for ingestion (invented names throughout)."""

from __future__ import annotations

from typing import Any

from tests.utils.builders import at


def account(n: int, platform: str = "instagram", **kw: Any) -> dict[str, Any]:
    return {
        "id": f"social_{n}",
        "platform": platform,
        "username": f"@meadowlark{n}",
        "display_name": f"Meadowlark {n}",
        "followers": 1000 * n,
        "permissions": ["read", "publish"],
        "connected_at": at(0),
        **kw,
    }


def campaign(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"camp_{n}",
        "name": f"Harvest push {n}",
        "platform": "facebook",
        "type": "conversion",
        "status": "active",
        "budget_total": "5000.00",
        "budget_daily": "100.00",
        "targeting": {"age_range": "25-45", "interests": ["gardening"], "locations": ["Canada"]},
        "start_at": at(0),
        "end_at": at(60),
        "creative": {"headline": "Grow more", "media": [{"type": "image", "url": "https://x/1"}]},
        "created_at": at(0, n),
        **kw,
    }


def campaign_day(campaign_n: int, day: str, **kw: Any) -> dict[str, Any]:
    return {"campaign_id": f"camp_{campaign_n}", "date": day, **kw}


def post(n: int, campaign_n: int | None = None, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"post_{n}",
        "title": f"Seedling diary {n}",
        "content": f"Notes from the greenhouse, part {n}",
        "platform": "linkedin",
        "post_type": "article",
        "status": "draft",
        "hashtags": ["#garden"],
        "ai_generated": True,
        "ai_confidence": 0.9,
        "campaign_id": f"camp_{campaign_n}" if campaign_n is not None else None,
        "created_at": at(1, n),
        **kw,
    }


def post_metrics(post_n: int, **kw: Any) -> dict[str, Any]:
    return {"post_id": f"post_{post_n}", "measured_at": at(5), **kw}


def agent_report(agent_id: str, hours: float, **kw: Any) -> dict[str, Any]:
    return {"agent_id": agent_id, "reported_at": at(0, hours), **kw}
