"""Spec 000 entity records (users, creators, characters, tiers, subscriptions, payments) as
the ingestion data types expect them."""

from __future__ import annotations

import random
from typing import Any

from gateway.demo.calendar import as_datetime, cumulative, pick
from gateway.demo.platform_revenue import TIERS, Payment, Subscription
from gateway.demo.platform_world import World

Record = dict[str, Any]

# Spec 3.3 category shares, and tags that fit each category.
CATEGORIES = (
    ("fantasy", 24, ("witch", "elf", "magic", "dragon", "knight")),
    ("romance", 20, ("girlfriend", "boyfriend", "romantic", "sweet", "flirty")),
    ("anime", 18, ("anime", "tsundere", "school", "idol", "kawaii")),
    ("sci-fi", 12, ("android", "space", "cyberpunk", "alien", "future")),
    ("horror", 8, ("vampire", "ghost", "dark", "yandere", "haunted")),
    ("other", 18, ("friend", "mentor", "comedy", "roleplay", "adventure")),
)
_CATEGORY_CUM = cumulative([c[1] for c in CATEGORIES])
COMMON_TAGS = ("girlfriend", "anime", "fantasy", "romantic", "mysterious", "shy", "caring")
ADJECTIVES = ("mysterious", "cheerful", "gentle", "bold", "shy", "wise", "playful", "fierce")
NOUNS = ("witch", "knight", "pilot", "healer", "bard", "ranger", "scholar", "guardian")
STUDIO_SUFFIXES = ("Studio", "Works", "Tales", "Muse", "Lab", "Forge")


def users(world: World) -> list[Record]:
    return [
        {
            "id": u.id,
            "username": u.username,
            "email": f"{u.username}@example.com" if u.username else None,
            "is_temporary": u.temporary,
            "language": u.language,
            "gender": u.gender,
            "country": u.country[0],
            "region": u.country[2],
            "device": u.device,
            "created_at": as_datetime(u.created),
        }
        for u in world.users
    ]


def creators(world: World) -> list[Record]:
    rng = world.ctx.rng("creator-records")
    records = []
    for i, since, verified in world.creators:
        user = world.users[i]
        name = f"{(user.username or user.id).title().replace('_', '')}{rng.choice(STUDIO_SUFFIXES)}"
        records.append(
            {
                "id": user.id,
                "username": name[:100],
                "profile_url": f"https://cdn.example.com/profiles/{name.lower()}.jpg",
                "is_verified": verified,
                "created_at": as_datetime(since),
            }
        )
    return records


def characters(world: World) -> list[Record]:
    rng: random.Random = world.ctx.rng("character-records")
    records = []
    for c in world.characters:
        category, _, own_tags = CATEGORIES[pick(rng, _CATEGORY_CUM)]
        tags = sorted({*rng.sample(own_tags, 2), *rng.sample(COMMON_TAGS, rng.randint(0, 2))})
        name = rng.choice(world.names[0])
        slug = f"{name}-{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}".lower()
        review = rng.random()
        records.append(
            {
                "id": c.id,
                "name": name,
                "slug": slug,
                "image_url": f"https://cdn.example.com/characters/{c.id}.jpg",
                "creator_id": world.users[world.creators[c.creator][0]].id
                if c.creator is not None
                else None,
                "category": category,
                "tags": tags,
                "gender": rng.choices(("female", "male", "other"), (70, 24, 6))[0],
                "is_public": rng.random() < 0.7,
                "is_nsfw": c.is_nsfw,
                # Spec 7.1: 50 of 5,000 wait for review, 20 are flagged.
                "review_status": "pending" if review < 0.01 else "approved",
                "is_flagged": review > 0.996,
                "created_at": as_datetime(c.created),
            }
        )
    return records


def tiers() -> list[Record]:
    return [
        {"id": tier_id, "name": name, "price": price, "currency": "USD", "interval_months": 1}
        for tier_id, name, price, _ in TIERS
    ]


def subscription(world: World, sub: Subscription) -> Record:
    return {
        "id": sub.id,
        "user_id": world.users[sub.user].id,
        "tier_id": TIERS[sub.tier][0],
        "status": sub.status,
        "created_at": as_datetime(sub.start),
        "cancelled_at": as_datetime(sub.stopped) if sub.stopped is not None else None,
        "ends_at": as_datetime(sub.ends) if sub.ends is not None else None,
    }


def payment(world: World, p: Payment) -> Record:
    return {
        "id": p.id,
        "user_id": world.users[p.user].id,
        "type": p.type,
        "amount": p.amount,
        "currency": "USD",
        "status": p.status,
        "subscription_id": p.subscription,
        "creator_id": world.users[world.creators[p.creator][0]].id
        if p.creator is not None
        else None,
        "created_at": as_datetime(p.at),
    }
