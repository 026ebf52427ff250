"""The fixed spec 000 dataset behind the golden files and the exact-value tests.

The workspace is in America/New_York; "now" is 2024-03-10 12:00 UTC (08:00 EDT), the day
the US clocks went forward, and the data crosses the February/March boundary. Local days:
today is Sun Mar 10; the last 7 days are Mar 4-10; the last 30 days Feb 10 - Mar 10.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from gateway.database import transaction

TIMEZONE = "America/New_York"


def _user(n: int, created: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"user_{n}",
        "username": f"tester{n}",
        "email": f"tester{n}@example.test",
        "created_at": created,
        **kw,
    }


USERS = [
    _user(
        1,
        "2024-02-05T15:00:00Z",
        language="en",
        gender="female",
        country="US",
        region="North America",
        device="mobile",
    ),
    _user(2, "2024-02-28T15:00:00Z", language="ja", gender="male", country="JP", region="Asia"),
    _user(
        3,
        "2024-03-01T15:00:00Z",
        language="en",
        gender="female",
        country="US",
        region="North America",
    ),
    _user(
        4,
        "2024-03-05T15:00:00Z",
        language="es",
        gender="other",
        country="ES",
        region="Europe",
        is_temporary=True,
    ),
    _user(5, "2024-03-09T15:00:00Z", language="en", gender="male", country="GB", region="Europe"),
    # 04:30 UTC on Mar 10 is 23:30 on Mar 9 in New York: registered on Mar 9 locally.
    _user(6, "2024-03-10T04:30:00Z", language="ja"),
]

CREATORS = [
    {
        "id": "user_1",
        "username": "MoonStudio",
        "is_verified": True,
        "profile_url": "https://cdn.example.test/p/1.jpg",
        "created_at": "2024-02-06T10:00:00Z",
    },
    {"id": "user_2", "username": "StarForge", "created_at": "2024-03-01T10:00:00Z"},
]

CHARACTERS = [
    {
        "id": "char_1",
        "name": "Luma",
        "slug": "luma",
        "creator_id": "user_1",
        "category": "fantasy",
        "tags": ["witch", "magic"],
        "gender": "female",
        "image_url": "https://cdn.example.test/c/1.jpg",
        "created_at": "2024-02-10T12:00:00Z",
    },
    {
        "id": "char_2",
        "name": "Orrin",
        "creator_id": "user_1",
        "category": "romance",
        "tags": ["romantic"],
        "gender": "male",
        "is_public": False,
        "is_nsfw": True,
        "review_status": "pending",
        "created_at": "2024-03-02T12:00:00Z",
    },
    {
        "id": "char_3",
        "name": "Kiko",
        "creator_id": "user_2",
        "category": "anime",
        "tags": ["magic", "anime"],
        "gender": "female",
        "is_flagged": True,
        "created_at": "2024-03-08T12:00:00Z",
    },
]


def _msg(user: int, char: int, at: str) -> dict[str, Any]:
    return {"user_id": f"user_{user}", "character_id": f"char_{char}", "created_at": at}


MESSAGES = [
    # Feb 29 local (Thursday) and Mar 1 local: the month boundary.
    _msg(1, 1, "2024-02-29T21:00:00Z"),
    _msg(1, 1, "2024-03-01T04:00:00Z"),  # 23:00 Feb 29 local
    _msg(2, 1, "2024-03-01T06:00:00Z"),  # 01:00 Mar 1 local
    _msg(3, 1, "2024-03-02T02:00:00Z"),  # 21:00 Mar 1 local
    *[_msg(1, 2, f"2024-03-0{d}T14:00:00Z") for d in range(4, 10)],  # Mar 4..9, 6 messages
    _msg(3, 3, "2024-03-09T02:00:00Z"),  # 21:00 Mar 8 local
    # Around the DST switch on Mar 10 (02:00 EST -> 03:00 EDT).
    _msg(5, 3, "2024-03-10T06:30:00Z"),  # 01:30 EST
    _msg(5, 3, "2024-03-10T07:30:00Z"),  # 03:30 EDT
    _msg(2, 1, "2024-03-10T11:00:00Z"),  # 07:00 EDT
]

SESSIONS = [
    {
        "id": "sess_1",
        "user_id": "user_1",
        "character_id": "char_1",
        "device": "mobile",
        "started_at": "2024-03-04T14:00:00Z",
        "duration_seconds": 930,
        "message_count": 6,
    },
    {
        "id": "sess_2",
        "user_id": "user_3",
        "character_id": "char_3",
        "device": "desktop",
        "started_at": "2024-03-09T02:00:00Z",
        "duration_seconds": 60,
        "message_count": 1,
    },
    {
        "id": "sess_3",
        "user_id": "user_5",
        "character_id": "char_3",
        "device": "mobile",
        "started_at": "2024-03-10T06:30:00Z",
        "duration_seconds": 3700,
        "message_count": 2,
    },
    {
        "id": "sess_4",
        "user_id": "user_2",
        "character_id": "char_1",
        "device": "tablet",
        "started_at": "2024-02-20T06:30:00Z",
        "duration_seconds": 300,
        "message_count": 0,
    },
]

IMAGES = [
    {
        "id": "img_1",
        "user_id": "user_1",
        "character_id": "char_1",
        "created_at": "2024-03-04T15:00:00Z",
    },
    {
        "id": "img_2",
        "user_id": "user_1",
        "character_id": "char_2",
        "is_nsfw": True,
        "created_at": "2024-03-05T15:00:00Z",
    },
    {
        "id": "img_3",
        "user_id": "user_3",
        "character_id": "char_1",
        "created_at": "2024-03-09T15:00:00Z",
    },
]
IMAGE_LIKES = [
    {"image_id": "img_1", "user_id": "user_2", "created_at": "2024-03-05T10:00:00Z"},
    {"image_id": "img_1", "user_id": "user_3", "created_at": "2024-03-06T10:00:00Z"},
]
FAVORITES = [
    {"user_id": "user_1", "character_id": "char_1", "created_at": "2024-02-20T10:00:00Z"},
    {"user_id": "user_2", "character_id": "char_1", "created_at": "2024-03-06T10:00:00Z"},
    {"user_id": "user_3", "character_id": "char_3", "created_at": "2024-03-09T10:00:00Z"},
]
FOLLOWERS = [
    {"creator_id": "user_1", "follower_id": "user_2", "created_at": "2024-03-01T10:00:00Z"},
    {"creator_id": "user_1", "follower_id": "user_3", "created_at": "2024-03-02T10:00:00Z"},
    {"creator_id": "user_2", "follower_id": "user_1", "created_at": "2024-03-03T10:00:00Z"},
]
TIERS = [
    {"id": "tier_basic", "name": "Basic", "price": "3.00"},
    {"id": "tier_pro", "name": "Pro", "price": "30.00", "interval_months": 3},
]
SUBSCRIPTIONS = [
    {
        "id": "sub_1",
        "user_id": "user_1",
        "tier_id": "tier_basic",
        "created_at": "2024-02-08T10:00:00Z",
    },
    {
        "id": "sub_2",
        "user_id": "user_3",
        "tier_id": "tier_pro",
        "created_at": "2024-03-05T10:00:00Z",
    },
    {
        "id": "sub_3",
        "user_id": "user_2",
        "tier_id": "tier_basic",
        "status": "cancelled",
        "created_at": "2024-02-29T10:00:00Z",
        "cancelled_at": "2024-03-07T10:00:00Z",
    },
]


def _txn(n: int, user: int, kind: str, amount: str, at: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"txn_{n}",
        "user_id": f"user_{user}",
        "type": kind,
        "amount": amount,
        "created_at": at,
        **kw,
    }


TRANSACTIONS = [
    _txn(1, 1, "subscription", "3.00", "2024-02-08T10:00:00Z", subscription_id="sub_1"),
    _txn(2, 2, "subscription", "3.00", "2024-02-29T10:00:00Z", subscription_id="sub_3"),
    _txn(3, 3, "subscription", "30.00", "2024-03-05T10:00:00Z", subscription_id="sub_2"),
    _txn(4, 3, "point_purchase", "4.99", "2024-03-06T10:00:00Z"),
    _txn(5, 2, "tip", "2.50", "2024-03-09T10:00:00Z", creator_id="user_1"),
    _txn(6, 5, "point_purchase", "9.99", "2024-03-10T11:30:00Z", status="refunded"),
]
REPORTS = [
    {
        "id": "report_1",
        "target_type": "character",
        "target_id": "char_2",
        "status": "pending",
        "created_at": "2024-03-06T10:00:00Z",
    },
    {
        "id": "report_2",
        "target_type": "image",
        "target_id": "img_2",
        "status": "resolved",
        "created_at": "2024-03-03T10:00:00Z",
        "resolved_at": "2024-03-04T10:00:00Z",
    },
    {
        "id": "report_3",
        "target_type": "user",
        "target_id": "user_4",
        "status": "dismissed",
        "created_at": "2024-03-03T10:00:00Z",
    },
]
FEATURE_USAGE = [
    {"user_id": "user_1", "feature": "image_generation", "used_at": "2024-03-04T15:00:00Z"},
    {"user_id": "user_1", "feature": "image_generation", "used_at": "2024-03-05T15:00:00Z"},
    {"user_id": "user_3", "feature": "image_generation", "used_at": "2024-03-09T15:00:00Z"},
    {"user_id": "user_1", "feature": "character_creation", "used_at": "2024-02-10T12:00:00Z"},
]
VISITS = [
    *[{"visitor_id": f"anon_{n}", "created_at": "2024-03-01T10:00:00Z"} for n in range(1, 11)],
    {"visitor_id": "anon_1", "user_id": "user_1", "created_at": "2024-03-02T10:00:00Z"},
]

ORDER = [
    ("users", USERS),
    ("creators", CREATORS),
    ("characters", CHARACTERS),
    ("messages", MESSAGES),
    ("sessions", SESSIONS),
    ("images", IMAGES),
    ("image_likes", IMAGE_LIKES),
    ("favorites", FAVORITES),
    ("followers", FOLLOWERS),
    ("subscription_tiers", TIERS),
    ("subscriptions", SUBSCRIPTIONS),
    ("transactions", TRANSACTIONS),
    ("reports", REPORTS),
    ("feature_usage", FEATURE_USAGE),
    ("visits", VISITS),
]


async def set_timezone(sessions: Any, workspace: str, tz: str = TIMEZONE) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            text(
                "UPDATE workspaces SET settings = jsonb_set(settings, '{timezone}', to_jsonb("
                "CAST(:tz AS text))) WHERE id = :ws"
            ),
            {"tz": tz, "ws": workspace},
        )


async def load(upload: Any, sessions: Any, workspace: str) -> None:
    """Set the timezone first: rollups cut local days at ingestion time."""
    await set_timezone(sessions, workspace)
    for data_type, records in ORDER:
        await upload(data_type, records)
