"""Spec 000 activity: messages, sessions, images, likes, favorites, follows, subscriptions,
transactions, moderation reports, feature usage and site visits.

Append-only events keep the first copy of an id; subscriptions, transactions and reports
change state over time and are upserted. Rollups are updated from the rows just written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from gateway.ingestion import platform_rollups as rollup
from gateway.ingestion import subscription_rollups
from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from models import platform as m
from subscriptions import platform_events as ev

_ID = r"^[a-z]+_[A-Za-z0-9_-]{1,58}$"


def _last_active(time_column: str, by_user: str = "TRUE") -> str:
    """Move the users' last activity on to the batch's latest row of theirs that `by_user`
    holds for (what the user did). Every user of the batch has the row updated, even if to
    the same value: listed before the per-day rollups, this row lock makes a concurrent
    batch of the same user wait, which their activity gaps rely on (activity_rollups.py).
    (GREATEST ignores a NULL.)"""
    return f"""
UPDATE platform_users u SET last_active_at = GREATEST(u.last_active_at, x.t)
FROM (SELECT workspace_id, user_id, max({time_column}) FILTER (WHERE {by_user}) AS t
      FROM {{ins}} GROUP BY 1, 2) x
WHERE u.workspace_id = x.workspace_id AND u.id = x.user_id
"""


def _bump_character(counters: dict[str, str]) -> str:
    """Add the inserted rows to their characters' totals; `counters` maps column -> aggregate."""
    columns = ", ".join(counters)
    adds = ", ".join(f"{c} = s.{c} + EXCLUDED.{c}" for c in counters)
    return f"""
INSERT INTO character_stats AS s (workspace_id, character_id, {columns})
SELECT workspace_id, character_id, {", ".join(counters.values())} FROM {{ins}}
WHERE _inserted AND character_id IS NOT NULL GROUP BY 1, 2
ON CONFLICT (workspace_id, character_id) DO UPDATE SET {adds}
"""


def _bump_creator_via_character(column: str) -> str:
    return f"""
INSERT INTO creator_stats AS s (workspace_id, creator_id, {column})
SELECT c.workspace_id, c.creator_id, count(*) FROM {{ins}} e
JOIN characters c ON c.workspace_id = e.workspace_id AND c.id = e.character_id
WHERE e._inserted AND c.creator_id IS NOT NULL GROUP BY 1, 2
ON CONFLICT (workspace_id, creator_id) DO UPDATE SET {column} = s.{column} + EXCLUDED.{column}
"""


_CREATOR_MESSAGES = """
INSERT INTO creator_stats AS s (workspace_id, creator_id, total_messages, last_message_at)
SELECT c.workspace_id, c.creator_id, count(*), max(e.created_at) FROM {ins} e
JOIN characters c ON c.workspace_id = e.workspace_id AND c.id = e.character_id
WHERE e._inserted AND c.creator_id IS NOT NULL GROUP BY 1, 2
ON CONFLICT (workspace_id, creator_id) DO UPDATE SET
  total_messages = s.total_messages + EXCLUDED.total_messages,
  last_message_at = GREATEST(s.last_message_at, EXCLUDED.last_message_at)
"""


# New (character, user) pairs raise the character's unique-user count exactly once.
_MESSAGE_PAIRS = """
WITH pairs AS (
  INSERT INTO character_user_stats AS p
    (workspace_id, character_id, user_id, messages, first_message_at, last_message_at)
  SELECT workspace_id, character_id, user_id, count(*), min(created_at), max(created_at)
  FROM {ins} WHERE _inserted GROUP BY 1, 2, 3
  ON CONFLICT (workspace_id, character_id, user_id) DO UPDATE SET
    messages = p.messages + EXCLUDED.messages,
    first_message_at = LEAST(p.first_message_at, EXCLUDED.first_message_at),
    last_message_at = GREATEST(p.last_message_at, EXCLUDED.last_message_at)
  RETURNING p.workspace_id, p.character_id, (xmax = 0) AS is_new
), fresh AS (
  SELECT workspace_id, character_id, count(*) FILTER (WHERE is_new) AS n FROM pairs GROUP BY 1, 2
)
INSERT INTO character_stats AS s (workspace_id, character_id, unique_users)
SELECT workspace_id, character_id, n FROM fresh WHERE n > 0
ON CONFLICT (workspace_id, character_id)
  DO UPDATE SET unique_users = s.unique_users + EXCLUDED.unique_users
"""

# Earnings change when a transaction's status or creator changes: recompute the creators
# touched, the old one (the pre-image's) included, even when none of its payments is left.
_CREATOR_EARNINGS = """
INSERT INTO creator_stats AS s (workspace_id, creator_id, earnings)
SELECT CAST(:ws AS varchar), c.creator_id,
       coalesce(sum(t.amount) FILTER (WHERE t.status = 'completed'), 0)
FROM (SELECT creator_id FROM {ins} WHERE creator_id IS NOT NULL
      UNION SELECT creator_id FROM {old} WHERE creator_id IS NOT NULL) c
LEFT JOIN transactions t ON t.workspace_id = :ws AND t.creator_id = c.creator_id
GROUP BY c.creator_id ORDER BY c.creator_id
ON CONFLICT (workspace_id, creator_id) DO UPDATE SET earnings = EXCLUDED.earnings
"""


class MessageRecord(Record):
    id: str | None = Field(default=None, pattern=_ID)
    user_id: str
    character_id: str
    session_id: str | None = None
    sender: Literal["user", "character"] = "user"
    created_at: UtcDatetime


class SessionRecord(Record):
    id: str | None = Field(default=None, pattern=_ID)
    user_id: str
    character_id: str | None = None
    device: Literal["mobile", "desktop", "tablet"] = "mobile"
    started_at: UtcDatetime
    duration_seconds: int = Field(ge=0, le=7 * 24 * 3600)
    message_count: int = Field(default=0, ge=0)


class ImageRecord(Record):
    id: str | None = Field(default=None, pattern=_ID)
    user_id: str
    character_id: str | None = None
    is_nsfw: bool = False
    created_at: UtcDatetime


class ImageLikeRecord(Record):
    image_id: str
    user_id: str
    created_at: UtcDatetime


class FavoriteRecord(Record):
    user_id: str
    character_id: str
    created_at: UtcDatetime


class FollowRecord(Record):
    creator_id: str
    follower_id: str
    created_at: UtcDatetime

    @model_validator(mode="after")
    def _not_self(self) -> FollowRecord:
        if self.creator_id == self.follower_id:
            raise ValueError("a creator cannot follow themselves")
        return self


class SubscriptionRecord(Record):
    id: str = Field(pattern=_ID)
    user_id: str
    tier_id: str
    status: Literal["active", "cancelled", "expired"] = "active"
    created_at: UtcDatetime
    cancelled_at: UtcDatetime | None = None
    ends_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _cancelled_has_time(self) -> SubscriptionRecord:
        if self.status == "cancelled" and self.cancelled_at is None:
            raise ValueError("a cancelled subscription needs cancelled_at")
        return self


class TransactionRecord(Record):
    id: str = Field(pattern=_ID)
    user_id: str
    type: Literal["subscription", "point_purchase", "tip"]
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    status: Literal["completed", "pending", "refunded", "failed"] = "completed"
    subscription_id: str | None = None
    creator_id: str | None = None
    created_at: UtcDatetime


class ReportRecord(Record):
    id: str = Field(pattern=_ID)
    target_type: Literal["character", "image", "message", "user"]
    target_id: str
    reporter_id: str | None = None
    reason: str = Field(default="other", max_length=64)
    status: Literal["pending", "resolved", "dismissed"] = "pending"
    created_at: UtcDatetime
    resolved_at: UtcDatetime | None = None


class FeatureUsageRecord(Record):
    id: str | None = Field(default=None, pattern=_ID)
    user_id: str
    feature: Literal[
        "character_creation",
        "image_generation",
        "video_generation",
        "voice_messages",
        "character_customization",
        "scenarios",
    ]
    used_at: UtcDatetime


class VisitRecord(Record):
    id: str | None = Field(default=None, pattern=_ID)
    visitor_id: str = Field(min_length=1, max_length=64)
    user_id: str | None = None
    source: str | None = Field(default=None, max_length=64)
    created_at: UtcDatetime


_USER = {"user_id": "platform_users"}
_USER_CHAR = {"user_id": "platform_users", "character_id": "characters"}

register(
    DataType(
        name="messages",
        domain="platform",
        description="Chat messages between a user and a character.",
        record=MessageRecord,
        table=m.Message,
        on_conflict="ignore",
        id_prefix="msg",
        references=_USER_CHAR,
        rollups=(
            _bump_character({"total_messages": "count(*)"}),
            _MESSAGE_PAIRS,
            _CREATOR_MESSAGES,
            _last_active("created_at", rollup.SENT_BY_USER),
            *rollup.MESSAGES,
        ),
        events=(ev.MESSAGES_MILESTONE,),
        example={
            "id": "msg_9001",
            "user_id": "user_1001",
            "character_id": "char_2001",
            "session_id": "sess_3001",
            "sender": "user",
            "created_at": "2024-01-08T21:15:00Z",
        },
    ),
    DataType(
        name="sessions",
        domain="platform",
        description="Chat sessions with their device and duration in seconds.",
        record=SessionRecord,
        table=m.ChatSession,
        on_conflict="ignore",
        id_prefix="sess",
        references=_USER_CHAR,
        rollups=(
            # Average session length = session_seconds / sessions.
            _bump_character({"sessions": "count(*)", "session_seconds": "sum(duration_seconds)"}),
            _last_active("started_at"),
            *rollup.SESSIONS,
        ),
        example={
            "id": "sess_3001",
            "user_id": "user_1001",
            "character_id": "char_2001",
            "device": "mobile",
            "started_at": "2024-01-08T21:10:00Z",
            "duration_seconds": 930,
            "message_count": 24,
        },
    ),
    DataType(
        name="images",
        domain="platform",
        description="Generated images.",
        record=ImageRecord,
        table=m.GeneratedImage,
        on_conflict="ignore",
        id_prefix="img",
        references=_USER_CHAR,
        rollups=(
            _bump_character({"images_generated": "count(*)"}),
            _bump_creator_via_character("total_images"),
            _last_active("created_at"),
            *rollup.IMAGES,
        ),
        example={
            "id": "img_4001",
            "user_id": "user_1001",
            "character_id": "char_2001",
            "is_nsfw": False,
            "created_at": "2024-01-08T21:20:00Z",
        },
    ),
    DataType(
        name="image_likes",
        domain="platform",
        description="A user liking a generated image (once per user and image).",
        record=ImageLikeRecord,
        table=m.ImageLike,
        conflict_key=("image_id", "user_id"),
        on_conflict="ignore",
        references={"image_id": "images", "user_id": "platform_users"},
        rollups=rollup.IMAGE_LIKES,
        example={
            "image_id": "img_4001",
            "user_id": "user_1002",
            "created_at": "2024-01-09T08:00:00Z",
        },
    ),
    DataType(
        name="favorites",
        domain="platform",
        description="A user marking a character as favorite (once per pair).",
        record=FavoriteRecord,
        table=m.Favorite,
        conflict_key=("user_id", "character_id"),
        on_conflict="ignore",
        references=_USER_CHAR,
        rollups=(
            _bump_character({"favorites": "count(*)"}),
            _last_active("created_at"),
            *rollup.FAVORITES,
        ),
        example={
            "user_id": "user_1001",
            "character_id": "char_2001",
            "created_at": "2024-01-08T22:00:00Z",
        },
    ),
    DataType(
        name="followers",
        domain="platform",
        description="A user following a creator (once per pair).",
        record=FollowRecord,
        table=m.CreatorFollower,
        conflict_key=("creator_id", "follower_id"),
        on_conflict="ignore",
        references={"creator_id": "creators", "follower_id": "platform_users"},
        rollups=(
            """
INSERT INTO creator_stats AS s (workspace_id, creator_id, followers)
SELECT workspace_id, creator_id, count(*) FROM {ins} WHERE _inserted GROUP BY 1, 2
ON CONFLICT (workspace_id, creator_id) DO UPDATE SET followers = s.followers + EXCLUDED.followers
""",
        ),
        example={
            "creator_id": "user_1001",
            "follower_id": "user_1002",
            "created_at": "2024-01-09T10:00:00Z",
        },
    ),
    DataType(
        name="subscriptions",
        domain="platform",
        description="Subscriptions to a tier; re-send a subscription to change its status.",
        record=SubscriptionRecord,
        table=m.Subscription,
        references={"user_id": "platform_users", "tier_id": "subscription_tiers"},
        rollups=subscription_rollups.SUBSCRIPTIONS,
        events=(ev.SUBSCRIPTION_CREATED, ev.SUBSCRIPTION_CANCELLED),
        example={
            "id": "sub_5001",
            "user_id": "user_1001",
            "tier_id": "tier_basic",
            "status": "active",
            "created_at": "2024-01-10T10:00:00Z",
        },
    ),
    DataType(
        name="transactions",
        domain="platform",
        description="Payments: subscription, point_purchase or tip; amounts in currency units.",
        record=TransactionRecord,
        table=m.Transaction,
        references={
            "user_id": "platform_users",
            "creator_id": "creators",
            "subscription_id": "subscriptions",
        },
        rollups=(_CREATOR_EARNINGS, *rollup.TRANSACTIONS),
        events=(ev.USER_CONVERTED,),
        example={
            "id": "txn_6001",
            "user_id": "user_1001",
            "type": "subscription",
            "amount": "9.99",
            "currency": "USD",
            "status": "completed",
            "subscription_id": "sub_5001",
            "created_at": "2024-01-10T10:00:05Z",
        },
    ),
    DataType(
        name="reports",
        domain="platform",
        description="Moderation reports against characters, images, messages or users.",
        record=ReportRecord,
        table=m.ModerationReport,
        references={"reporter_id": "platform_users"},
        example={
            "id": "report_7001",
            "target_type": "character",
            "target_id": "char_2001",
            "reporter_id": "user_1002",
            "reason": "inappropriate",
            "status": "pending",
            "created_at": "2024-01-11T14:00:00Z",
        },
    ),
    DataType(
        name="feature_usage",
        domain="platform",
        description="One use of a platform feature by a user.",
        record=FeatureUsageRecord,
        table=m.FeatureUsage,
        on_conflict="ignore",
        id_prefix="fu",
        references=_USER,
        rollups=rollup.FEATURE_USAGE,
        example={
            "user_id": "user_1001",
            "feature": "image_generation",
            "used_at": "2024-01-08T21:20:00Z",
        },
    ),
    DataType(
        name="visits",
        domain="platform",
        description="Site visits (the top of the conversion funnel); user_id once known.",
        record=VisitRecord,
        table=m.SiteVisit,
        on_conflict="ignore",
        id_prefix="visit",
        references=_USER,
        rollups=rollup.VISITS,
        example={"visitor_id": "anon_77", "source": "tiktok", "created_at": "2024-01-04T19:00:00Z"},
    ),
)
