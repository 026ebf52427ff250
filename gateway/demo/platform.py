"""Spec 000, the AI character platform: every data type of gateway/ingestion/platform_*.py
as a demo stream, in load order (entities before the events that point at them)."""

from __future__ import annotations

import random
from typing import Any

from gateway.demo import calendar as cal
from gateway.demo import platform_entities as entities
from gateway.demo import platform_revenue as revenue
from gateway.demo.platform_activity import BASE, SOURCES, Activity, spans
from gateway.demo.platform_world import BASE as WORLD_BASE
from gateway.demo.platform_world import World
from gateway.demo.streams import DemoContext, Records, Stream, listed

_SOURCE_CUM = cal.cumulative([s[1] for s in SOURCES])


def streams(ctx: DemoContext) -> list[Stream]:
    world = World(ctx)
    activity = Activity.plan(
        world, ctx.count(WORLD_BASE["messages"]), ctx.count(WORLD_BASE["images"])
    )
    subs = revenue.subscriptions(world)
    users = [u.id for u in world.users]
    chars = [c.id for c in world.characters]
    sessions = world.sessions
    msg_offsets, img_offsets = activity.message_offsets, activity.image_offsets

    def session_records(_rng: random.Random, a: int, b: int) -> Records:
        return [
            {
                "id": s.id,
                "user_id": users[s.user],
                "character_id": chars[s.character],
                "device": s.device,
                "started_at": cal.as_datetime(s.start),
                "duration_seconds": round(s.duration),
                "message_count": msg_offsets[n + 1] - msg_offsets[n],
            }
            for n, s in enumerate(sessions[a:b], a)
        ]

    def messages(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for s, k, n in spans(msg_offsets, a, b):
            session = sessions[s]
            out.append(
                {
                    "id": f"msg_{n + 1:07d}",
                    "user_id": users[session.user],
                    "character_id": chars[session.character],
                    "session_id": session.id,
                    "sender": "character" if k % 2 else "user",
                    "created_at": cal.as_datetime(
                        activity.moment_in_session(rng, s, k, msg_offsets)
                    ),
                }
            )
        return out

    def images(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for s, k, n in spans(img_offsets, a, b):
            session = sessions[s]
            out.append(
                {
                    "id": f"img_{n + 1:07d}",
                    "user_id": users[session.user],
                    "character_id": chars[session.character],
                    "is_nsfw": world.characters[session.character].is_nsfw,
                    "created_at": cal.as_datetime(
                        activity.moment_in_session(rng, s, k, img_offsets)
                    ),
                }
            )
        return out

    likes_total = ctx.count(BASE["image_likes"])
    image_total = img_offsets[-1]

    def image_likes(rng: random.Random, a: int, b: int) -> Records:
        # Each chunk likes its own slice of the images, so no pair repeats across chunks.
        lo = a * image_total // likes_total
        hi = max(lo + 1, b * image_total // likes_total)

        def draw(rng: random.Random) -> tuple[int, int, float]:
            image = rng.randrange(lo, hi)
            s = activity.session_index_of_image(image)
            at = min(
                activity.session_end(s) + rng.expovariate(1 / 6) * cal.HOUR, ctx.calendar.end - 1
            )
            liker = world.registered_before(rng, at)
            return image, sessions[s].user if liker is None else liker, at

        return [
            {
                "image_id": f"img_{image + 1:07d}",
                "user_id": users[u],
                "created_at": cal.as_datetime(at),
            }
            for image, u, at in activity.unique_pairs(rng, b - a, draw)
        ]

    return [
        listed("users", entities.users(world), dict),
        listed("creators", entities.creators(world), dict),
        listed("characters", entities.characters(world), dict),
        listed("subscription_tiers", entities.tiers(), dict),
        listed("subscriptions", subs, lambda s: entities.subscription(world, s)),
        listed(
            "transactions",
            revenue.payments(world, subs),
            lambda p: entities.payment(world, p),
        ),
        Stream("sessions", len(sessions), session_records),
        Stream("messages", msg_offsets[-1], messages, batch_chunks=6),
        Stream("images", image_total, images, batch_chunks=5),
        Stream("image_likes", likes_total, image_likes),
        *_social(world, activity),
    ]


def _social(world: World, activity: Activity) -> list[Stream]:
    """Favorites, follows, feature usage, site visits and moderation reports."""
    ctx, users = world.ctx, world.users

    def favorite(item: tuple[int, int, float]) -> dict[str, Any]:
        u, c, at = item
        return {
            "user_id": users[u].id,
            "character_id": world.characters[c].id,
            "created_at": cal.as_datetime(at),
        }

    def follow(item: tuple[int, int, float]) -> dict[str, Any]:
        c, u, at = item
        return {
            "creator_id": users[world.creators[c][0]].id,
            "follower_id": users[u].id,
            "created_at": cal.as_datetime(at),
        }

    pools = activity.feature_pools()
    feature_cum = cal.cumulative([p[3] for p in pools])

    def feature_usage(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for n in range(a, b):
            feature, pool, weights, _ = pools[_bucket(feature_cum, n)]
            user = users[pool[cal.pick(rng, weights)]]
            at = world.cal.within(rng, *world.active_window(user), user.country[3])
            out.append(
                {
                    "id": f"fu_{n + 1:07d}",
                    "user_id": user.id,
                    "feature": feature,
                    "used_at": cal.as_datetime(at),
                }
            )
        return out

    visits_total = ctx.count(BASE["visits"])
    signups = min(len(users), visits_total)
    visitors = max(1, (visits_total - signups) * 7 // 10)

    def visits(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for n in range(a, b):
            source = SOURCES[cal.pick(rng, _SOURCE_CUM)][0]
            if n < signups:  # the visit on which each user signed up
                user = users[n]
                at = max(world.cal.start, user.created - rng.expovariate(1 / 900))
                visitor, user_id = f"anon_u{n + 1:06d}", user.id
            else:
                at = world.cal.grown(rng, cal.USER_GROWTH)
                visitor, user_id = f"anon_{rng.randrange(visitors):06d}", None
            out.append(
                {
                    "id": f"visit_{n + 1:07d}",
                    "visitor_id": visitor,
                    "user_id": user_id,
                    "source": source,
                    "created_at": cal.as_datetime(at),
                }
            )
        return out

    return [
        listed("favorites", activity.favorites(), favorite),
        listed("followers", activity.followers(), follow),
        Stream("feature_usage", feature_cum[-1], feature_usage),
        Stream("visits", visits_total, visits),
        listed("reports", activity.reports(), dict),
    ]


def _bucket(cum: list[int], n: int) -> int:
    for i, edge in enumerate(cum):
        if n < edge:
            return i
    return len(cum) - 1
