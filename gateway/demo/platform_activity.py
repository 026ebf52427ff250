"""Spec 000 activity drawn from the world: what happens inside chat sessions (messages,
images) and around them (likes, favorites, follows, feature usage, visits, reports).

Messages and images are laid out over sessions up front as offsets (message n belongs to
the session whose range holds n), so any chunk of them can be generated on its own.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gateway.demo import calendar as cal
from gateway.demo.platform_world import World

BASE = {
    "favorites": 80_000,
    "image_likes": 150_000,
    "followers": 25_000,
    "reports": 100,
    "visits": 50_000,
}
# Spec 9.1: (feature, users who use it, uses per user) at scale 1. One image_generation use
# is one request, which yields four images.
FEATURES = (
    ("character_creation", 2_000, 2.5),
    ("image_generation", 4_500, 27.5),
    ("video_generation", 500, 5),
    ("voice_messages", 1_000, 20),
    ("character_customization", 3_000, 3),
    ("scenarios", 2_500, 8),
)
REPORT_TARGETS = ("character", "image", "message", "user")
REPORT_REASONS = ("inappropriate", "spam", "harassment", "copyright", "underage", "other")
SOURCES = (
    ("google", 30),
    ("direct", 22),
    ("tiktok", 15),
    ("twitter", 10),
    ("reddit", 9),
    ("discord", 7),
    ("youtube", 7),
)


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` over the weights exactly (largest remainder); returns range offsets."""
    scale = total / (sum(weights) or 1.0)
    shares = [w * scale for w in weights]
    counts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    offsets = [0]
    for c in counts:
        offsets.append(offsets[-1] + c)
    return offsets


def spans(offsets: list[int], start: int, stop: int) -> Iterator[tuple[int, int, int]]:
    """(owner, index within owner, global index) for global indices [start, stop)."""
    owner = bisect.bisect_right(offsets, start) - 1
    for n in range(start, stop):
        while offsets[owner + 1] <= n:
            owner += 1
        yield owner, n - offsets[owner], n


@dataclass
class Activity:
    world: World
    message_offsets: list[int]
    image_offsets: list[int]

    @classmethod
    def plan(cls, world: World, messages: int, images: int) -> Activity:
        rng = world.ctx.rng("activity")
        sessions = world.sessions
        talk = [s.duration * rng.lognormvariate(0, 0.5) for s in sessions]
        draw = [
            t if world.users[s.user].makes_images else 0.0
            for s, t in zip(sessions, talk, strict=True)
        ]
        if not any(draw):
            draw = talk
        return cls(world, allocate(messages, talk), allocate(images, draw))

    def session_index_of_image(self, image: int) -> int:
        return bisect.bisect_right(self.image_offsets, image) - 1

    def session_end(self, s: int) -> float:
        session = self.world.sessions[s]
        return session.start + session.duration

    def moment_in_session(self, rng: random.Random, s: int, k: int, offsets: list[int]) -> float:
        """The k-th of n evenly staggered moments within session s."""
        session, n = self.world.sessions[s], offsets[s + 1] - offsets[s]
        return session.start + session.duration * (k + rng.random()) / n

    def unique_pairs(
        self, rng: random.Random, total: int, draw: Callable[[random.Random], tuple | None]
    ) -> list[tuple]:
        """`total` draws of (a, b, ...) with no (a, b) pair twice."""
        seen: set[tuple] = set()
        out: list[tuple] = []
        for _ in range(50 * total):  # bounded: tiny worlds may hold fewer pairs than asked
            if len(out) == total:
                break
            item = draw(rng)
            if item is not None and item[:2] not in seen:
                seen.add(item[:2])
                out.append(item)
        return out

    def favorites(self) -> list[tuple[int, int, float]]:
        """(user, character, at): users favorite characters while active."""
        world = self.world

        def draw(rng: random.Random) -> tuple[int, int, float]:
            u = world.active_user(rng)
            user = world.users[u]
            at = world.cal.within(rng, *world.active_window(user), user.country[3])
            return u, world.popular_character(rng, at), at

        rng = world.ctx.rng("favorites")
        return sorted(self.unique_pairs(rng, world.ctx.count(BASE["favorites"]), draw), key=_at)

    def followers(self) -> list[tuple[int, int, float]]:
        """(creator, follower user, at): popular creators gather most followers."""
        world, end = self.world, self.world.cal.end
        creator_cum = cal.cumulative(cal.zipf_weights(len(world.creators), 0.9))

        def draw(rng: random.Random) -> tuple[int, int, float] | None:
            c = cal.pick(rng, creator_cum)
            follower = world.registered[rng.randrange(len(world.registered))]
            if follower == world.creators[c][0]:
                return None
            since = max(world.creators[c][1], world.users[follower].created)
            at = since + rng.expovariate(1 / 10) * cal.DAY
            return c, follower, at if at < end else rng.uniform(since, end)

        total = world.ctx.count(BASE["followers"])
        possible = len(world.creators) * (len(world.registered) - 1)
        rng = world.ctx.rng("followers")
        return sorted(self.unique_pairs(rng, min(total, possible), draw), key=_at)

    def feature_pools(self) -> list[tuple[str, list[int], list[float], int]]:
        """Per feature: the users who use it, their usage weights, and the number of uses."""
        world, rng = self.world, self.world.ctx.rng("features")
        pools = []
        for feature, users, per_user in FEATURES:
            if feature == "image_generation":
                pool = [i for i, u in enumerate(world.users) if u.makes_images]
            else:
                pool = [world.active_user(rng) for _ in range(world.ctx.count(users))]
                pool = sorted(set(pool))
            pool = pool or [0]
            weights = cal.cumulative([rng.lognormvariate(0, 1.0) for _ in pool])
            pools.append((feature, pool, weights, world.ctx.count(users * per_user)))
        return pools

    def reports(self) -> list[dict[str, Any]]:
        """Spec 7.1: reports from the last 90 days, most resolved, ~15% pending."""
        world, rng = self.world, self.world.ctx.rng("reports")
        end, records = world.cal.end, []
        for n in range(1, world.ctx.count(BASE["reports"]) + 1):
            at = world.cal.within(rng, end - 90 * cal.DAY, end)
            target_type = rng.choices(REPORT_TARGETS, (50, 30, 10, 10))[0]
            if target_type == "character":
                target = world.characters[world.popular_character(rng, at)].id
            elif target_type == "image":
                target = f"img_{rng.randrange(max(1, self.image_offsets[-1])) + 1:07d}"
            elif target_type == "message":
                target = f"msg_{rng.randrange(max(1, self.message_offsets[-1])) + 1:07d}"
            else:
                target = world.users[rng.randrange(len(world.users))].id
            reporter = world.registered_before(rng, at)
            status = rng.choices(("pending", "resolved", "dismissed"), (15, 72, 13))[0]
            resolved = min(at + rng.expovariate(1.0) * cal.DAY, end - 1)
            records.append(
                {
                    "id": f"report_{n:05d}",
                    "target_type": target_type,
                    "target_id": target,
                    "reporter_id": world.users[reporter].id if reporter is not None else None,
                    "reason": rng.choice(REPORT_REASONS),
                    "status": status,
                    "created_at": cal.as_datetime(at),
                    "resolved_at": None if status == "pending" else cal.as_datetime(resolved),
                }
            )
        return records


def _at(item: tuple) -> float:
    return item[-1]
