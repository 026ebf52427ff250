"""Spec 000 entities: users, creators, characters, subscription tiers. Upserted by id."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from gateway.ingestion import platform_rollups as rollup
from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from models import platform as m
from subscriptions import platform_events as ev

Gender = Literal["male", "female", "other"]
Device = Literal["mobile", "desktop", "tablet"]


class UserRecord(Record):
    id: str = Field(pattern=r"^user_[A-Za-z0-9_-]{1,58}$")
    username: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320)
    is_temporary: bool = False
    language: str | None = Field(default=None, max_length=16)
    gender: Gender | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = Field(default=None, max_length=64)
    device: Device | None = None
    created_at: UtcDatetime


class CreatorRecord(Record):
    id: str = Field(pattern=r"^user_[A-Za-z0-9_-]{1,58}$", description="the creator's user id")
    username: str = Field(min_length=1, max_length=100)
    profile_url: str | None = None
    is_verified: bool = False
    created_at: UtcDatetime


class CharacterRecord(Record):
    id: str = Field(pattern=r"^char_[A-Za-z0-9_-]{1,58}$")
    name: str = Field(min_length=1, max_length=200)
    slug: str | None = Field(default=None, max_length=200)
    image_url: str | None = None
    creator_id: str | None = None
    category: str | None = Field(default=None, max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=50)
    gender: Gender | None = None
    is_public: bool = True
    is_nsfw: bool = False
    review_status: Literal["approved", "pending", "rejected"] = "approved"
    is_flagged: bool = False
    created_at: UtcDatetime


class TierRecord(Record):
    id: str = Field(pattern=r"^tier_[A-Za-z0-9_-]{1,58}$")
    name: str = Field(min_length=1, max_length=64)
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    interval_months: int = Field(default=1, ge=1, le=36)


# A creator's character count is recomputed for the whole workspace: characters are few,
# and recounting stays right when a character moves between creators. Unchanged counts
# are not rewritten.
_RECOUNT_CREATOR_CHARACTERS = """
INSERT INTO creator_stats AS cs (workspace_id, creator_id, characters_count)
SELECT c.workspace_id, c.id, count(ch.id)
FROM creators c LEFT JOIN characters ch ON ch.workspace_id = c.workspace_id AND ch.creator_id = c.id
WHERE c.workspace_id = :ws GROUP BY c.workspace_id, c.id
ON CONFLICT (workspace_id, creator_id) DO UPDATE SET characters_count = EXCLUDED.characters_count
WHERE cs.characters_count <> EXCLUDED.characters_count
"""

# Every character has a character_stats row, carrying its current creator (a creator's
# top character is read from character_stats by creator). Only new characters and those
# whose creator changed are written, so an edit does not lock the rows message uploads
# update. Two uploads of the same character are ordered by its characters row.
_CHARACTER_STATS = """
INSERT INTO character_stats AS s (workspace_id, character_id, creator_id)
SELECT i.workspace_id, i.id, i.creator_id FROM {ins} i
LEFT JOIN character_stats o ON o.workspace_id = i.workspace_id AND o.character_id = i.id
WHERE o.character_id IS NULL OR o.creator_id IS DISTINCT FROM i.creator_id
ORDER BY i.id
ON CONFLICT (workspace_id, character_id) DO UPDATE SET creator_id = EXCLUDED.creator_id
"""

# A character that moves to another creator takes its all-time messages and images (its
# character_stats totals) from the old creator to the new one, and both creators' latest
# message is re-read from the messages' (character, time) index. Runs before _CHARACTER_STATS
# rewrites character_stats.creator_id (the old creator), locking the moved characters'
# rows so that a concurrent message upload's totals are moved too, or wait for this one.
_MOVE_CREATOR_TOTALS = """
WITH moved AS (
  SELECT o.creator_id AS old_creator, i.creator_id AS new_creator,
         o.total_messages, o.images_generated
  FROM {ins} i JOIN character_stats o ON o.workspace_id = :ws AND o.character_id = i.id
  WHERE o.creator_id IS DISTINCT FROM i.creator_id
  ORDER BY i.id FOR UPDATE OF o
),
deltas AS (
  SELECT old_creator AS creator_id, -total_messages AS messages, -images_generated AS images
  FROM moved WHERE old_creator IS NOT NULL
  UNION ALL SELECT new_creator, total_messages, images_generated FROM moved
  WHERE new_creator IS NOT NULL
)
INSERT INTO creator_stats AS s (workspace_id, creator_id, total_messages, total_images,
                                last_message_at)
SELECT CAST(:ws AS varchar), d.creator_id, sum(d.messages), sum(d.images),
  (SELECT max(last.at) FROM characters ch CROSS JOIN LATERAL (
     SELECT max(m.created_at) AS at FROM messages m
     WHERE m.workspace_id = :ws AND m.character_id = ch.id) last
   WHERE ch.workspace_id = :ws AND ch.creator_id = d.creator_id)
FROM deltas d GROUP BY d.creator_id ORDER BY d.creator_id
ON CONFLICT (workspace_id, creator_id) DO UPDATE SET
  total_messages = s.total_messages + EXCLUDED.total_messages,
  total_images = s.total_images + EXCLUDED.total_images,
  last_message_at = EXCLUDED.last_message_at
"""

register(
    DataType(
        name="users",
        domain="platform",
        description="Platform end users, registered or temporary.",
        record=UserRecord,
        table=m.PlatformUser,
        rollups=rollup.USERS,
        events=(ev.USER_REGISTERED, ev.USERS_MILESTONE),
        example={
            "id": "user_1001",
            "username": "moonfern",
            "is_temporary": False,
            "language": "en",
            "gender": "female",
            "country": "US",
            "region": "North America",
            "device": "mobile",
            "created_at": "2024-01-05T18:30:00Z",
        },
        more_examples=(
            {
                "id": "user_1002",
                "username": "quillrest",
                "is_temporary": False,
                "language": "de",
                "country": "DE",
                "device": "desktop",
                "created_at": "2024-01-06T09:10:00Z",
            },
        ),
    ),
    DataType(
        name="creators",
        domain="platform",
        description="Users who publish characters (the user must exist).",
        record=CreatorRecord,
        table=m.Creator,
        references={"id": "platform_users"},
        rollups=(
            "INSERT INTO creator_stats (workspace_id, creator_id) "
            "SELECT workspace_id, id FROM {ins} ON CONFLICT DO NOTHING",
            *rollup.CREATORS,
        ),
        example={
            "id": "user_1001",
            "username": "MoonfernStudio",
            "is_verified": True,
            "created_at": "2024-01-06T09:00:00Z",
        },
    ),
    DataType(
        name="characters",
        domain="platform",
        description="AI characters; creator_id must name an existing creator.",
        record=CharacterRecord,
        table=m.Character,
        references={"creator_id": "creators"},
        rollups=(
            _MOVE_CREATOR_TOTALS,
            _CHARACTER_STATS,
            _RECOUNT_CREATOR_CHARACTERS,
            *rollup.CHARACTERS,
        ),
        events=(ev.CHARACTER_CREATED,),
        example={
            "id": "char_2001",
            "name": "Luna",
            "slug": "luna-mysterious-witch",
            "creator_id": "user_1001",
            "category": "fantasy",
            "tags": ["witch", "mysterious"],
            "gender": "female",
            "is_public": True,
            "is_nsfw": False,
            "created_at": "2024-01-07T12:00:00Z",
        },
    ),
    DataType(
        name="subscription_tiers",
        domain="platform",
        description="Subscription plans and their monthly price.",
        record=TierRecord,
        table=m.SubscriptionTier,
        example={"id": "tier_basic", "name": "Basic", "price": "3.00", "currency": "USD"},
    ),
)
