"""A small, fixed spec 003 dataset (invented names), loaded through ingestion, whose numbers
tests/rest/test_organic_values.py computes by hand. "Now" is 2024-03-10 12:00 UTC
(tests/rest/conftest.py pins it); the workspace's timezone is UTC."""

from __future__ import annotations

from typing import Any

from tests.utils.organic_builders import (
    campaign,
    content,
    enrollment,
    lead,
    metrics,
    sequence,
    step,
)


def _tp(n: int, visitor: str, channel: str, stage: str, at: str, revenue: str = "0") -> dict:
    return {
        "id": f"tp_{n}",
        "visitor_id": visitor,
        "channel": channel,
        "stage": stage,
        "revenue": revenue,
        "occurred_at": at,
    }


# Four visitors; four purchases in 2024-03-01..03-10 (v4's path starts before the range).
TOUCHPOINTS = [
    _tp(1, "v1", "tiktok", "visit", "2024-03-01T10:00:00Z"),
    _tp(2, "v1", "email", "view_product", "2024-03-03T10:00:00Z"),
    _tp(3, "v1", "blog", "add_to_cart", "2024-03-04T10:00:00Z"),
    _tp(4, "v1", "email", "checkout", "2024-03-05T10:00:00Z"),
    _tp(5, "v1", "email", "purchase", "2024-03-05T12:00:00Z", "100.00"),
    _tp(6, "v2", "blog", "visit", "2024-03-02T09:00:00Z"),
    _tp(7, "v2", "blog", "purchase", "2024-03-02T10:00:00Z", "50.00"),
    _tp(8, "v2", "tiktok", "visit", "2024-03-06T09:00:00Z"),
    _tp(9, "v2", "tiktok", "purchase", "2024-03-08T09:00:00Z", "30.00"),
    _tp(10, "v3", "tiktok", "visit", "2024-03-04T08:00:00Z"),
    _tp(11, "v3", "tiktok", "view_product", "2024-03-04T08:05:00Z"),
    _tp(12, "v4", "social", "visit", "2024-02-25T10:00:00Z"),
    _tp(13, "v4", "direct", "purchase", "2024-03-09T10:00:00Z", "20.00"),
]


def _day(channel: str, date: str, revenue: str, traffic: int, conversions: int, orders: int):
    return {
        "channel": channel,
        "date": date,
        "revenue": revenue,
        "traffic": traffic,
        "conversions": conversions,
        "orders": orders,
    }


CHANNEL_DAYS = [
    _day("tiktok", "2024-03-05", "100.00", 1000, 10, 8),
    _day("tiktok", "2024-03-09", "50.00", 500, 5, 4),
    _day("tiktok", "2024-02-28", "60.00", 800, 6, 6),
    _day("blog", "2024-03-06", "50.00", 500, 5, 5),
    _day("blog", "2024-03-01", "40.00", 400, 2, 2),
    _day("email", "2024-03-10", "25.50", 100, 3, 3),
]

ACTIVITIES = [
    {
        "id": f"act_{n}",
        "type": kind,
        "title": title,
        "description": f"Entry {n}",
        "metadata": {"contentId": "cnt_1", "platform": "tiktok"} if n == 1 else {},
        "occurred_at": f"2024-03-0{n}T09:45:00Z",
    }
    for n, (kind, title) in enumerate(
        [
            ("content_published", "TikTok video published"),
            ("campaign_sent", "Email campaign sent"),
            ("lead_imported", "Leads imported"),
        ],
        1,
    )
]


async def load(upload: Any) -> None:
    await upload(
        "integrations",
        [
            {
                "id": "int_tiktok",
                "name": "TikTok",
                "provider": "tiktok",
                "status": "connected",
                "config": {"accounts": [{"id": "tt_1", "username": "@decklab", "followers": 1200}]},
                "last_sync_at": "2024-03-01T09:00:00Z",
            },
            {"id": "int_gmail", "name": "Gmail", "provider": "gmail", "status": "error"},
        ],
    )
    await upload(
        "content",
        [
            content(
                1,
                status="published",
                title="Product Demo",
                media_urls=["https://cdn.example.test/v/1.mp4"],
                metadata={"hashtags": ["#cardgame"]},
                published_at="2024-03-01T09:00:00Z",
            ),
            content(2, type="blog", status="scheduled", scheduled_at="2024-03-12T10:00:00Z"),
            content(3, type="email", title="Spring promo"),
        ],
    )
    await upload(
        "content_metrics",
        [
            metrics(1, "2024-03-01", views=1000, likes=80, shares=10, clicks=40, revenue="99.90"),
            metrics(1, "2024-03-02", views=250, likes=9, shares=2, saves=4, revenue="50.05"),
        ],
    )
    await upload(
        "email_campaigns",
        [campaign(1, recipient_count=450, sent=1250, opened=562, clicked=89, converted=12)],
    )
    await upload("email_sequences", [sequence(1, status="active")])
    await upload("sequence_steps", [step(1, 1), step(1, 2)])
    await upload(
        "leads",
        [
            lead(
                1,
                tags=["customer", "vip"],
                source="website",
                custom_fields={"company": "Acme"},
                created_at="2024-03-05T10:00:00Z",
            ),
            lead(2, tags=["customer"], created_at="2024-03-08T10:00:00Z"),
            lead(3, status="unsubscribed", created_at="2024-03-01T10:00:00Z"),
        ],
    )
    await upload("sequence_enrollments", [enrollment(1, 1, "completed"), enrollment(1, 2)])
    await upload("activities", ACTIVITIES)
    await upload("channel_metrics", CHANNEL_DAYS)
    await upload("touchpoints", TOUCHPOINTS)
