"""Spec 000 money: three tiers, subscriptions that renew monthly until they churn, and
payments (subscription renewals, point purchases, tips to creators).

Conversions are drawn until exactly 10% of users hold an active subscription (spec 5.3:
premium conversion 10%); point purchases and tips are sized so that subscriptions bring
about two thirds of the revenue, as spec 5.1's breakdown shows.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from gateway.demo import calendar as cal
from gateway.demo.platform_world import BASE, World

MONTH = 30 * cal.DAY
# (id, name, monthly price, weight among subscribers): spec 5.3 byTier.
TIERS = (
    ("tier_basic", "Basic", Decimal("3.00"), 800),
    ("tier_premium", "Premium", Decimal("7.00"), 500),
    ("tier_pro", "Pro", Decimal("10.50"), 200),
)
PREMIUM_SHARE = 0.10
# Spec 5.3 subscriptionRetention: share still subscribed after N months; 40% stay on.
SUBSCRIPTION_SURVIVAL = ((0, 1.0), (1, 0.85), (3, 0.70), (6, 0.55), (12, 0.40))
POINT_PURCHASES, TIPS = 1_800, 950  # at scale 1
POINT_PRICES = (("1.99", 30), ("4.99", 35), ("9.99", 25), ("19.99", 10))
TIP_AMOUNTS = (("1.00", 20), ("2.00", 25), ("3.00", 15), ("5.00", 25), ("10.00", 10), ("20.00", 5))


@dataclass(slots=True)
class Subscription:
    id: str
    user: int
    tier: int
    start: float
    status: str
    stopped: float | None  # cancelled at
    ends: float | None  # end of the last paid month, once cancelled


@dataclass(slots=True)
class Payment:
    id: str
    user: int
    type: str
    amount: Decimal
    status: str
    subscription: str | None
    creator: int | None
    at: float


def subscriptions(world: World) -> list[Subscription]:
    rng, end = world.ctx.rng("subscriptions"), world.cal.end
    target = min(world.ctx.count(BASE["users"] * PREMIUM_SHARE), len(world.registered))
    candidates = list(world.registered)
    rng.shuffle(candidates)
    tier_cum = cal.cumulative([t[3] for t in TIERS])
    drafts, active = [], 0
    for n, u in enumerate(candidates):
        left = len(candidates) - n
        if active >= target:
            break
        # Spec 5.4: first chat to subscription takes 12.5 days on average.
        start = world.users[u].created + rng.expovariate(1 / 12.5) * cal.DAY
        if start >= end - 60 and left > target - active:
            continue
        stops = start + cal.survival_draw(rng, SUBSCRIPTION_SURVIVAL) * MONTH
        if left <= target - active:  # the last candidates must stay to reach the target
            start = min(start, max(world.users[u].created, end - cal.DAY))
            stops = math.inf
        tier = cal.pick(rng, tier_cum)
        if stops >= end:
            active += 1
            drafts.append((start, u, tier, "active", None, None))
        else:
            paid_until = start + math.ceil(max(stops - start, 1.0) / MONTH) * MONTH
            status = "cancelled" if paid_until > end else "expired"
            drafts.append((start, u, tier, status, stops, paid_until))
    drafts.sort(key=lambda d: d[0])
    return [
        Subscription(f"sub_{n:05d}", u, tier, start, status, stopped, ends)
        for n, (start, u, tier, status, stopped, ends) in enumerate(drafts, 1)
    ]


def _status(rng: random.Random, at: float, end: float) -> str:
    x = rng.random()
    if at > end - 2 * cal.DAY and x < 0.2:
        return "pending"
    return "failed" if x > 0.98 else "refunded" if x > 0.97 else "completed"


def payments(world: World, subs: list[Subscription]) -> list[Payment]:
    rng, ctx, end = world.ctx.rng("payments"), world.ctx, world.cal.end
    drafts: list[tuple] = []
    for sub in subs:
        last = min(sub.stopped or end, end)
        k = 0
        while sub.start + k * MONTH < last:
            at = min(sub.start + k * MONTH + rng.uniform(0, 120), end - 1.0)
            status = "completed" if k == 0 else _status(rng, at, end)
            drafts.append((at, sub.user, "subscription", TIERS[sub.tier][2], status, sub.id, None))
            k += 1
    creator_since = [c[1] for c in world.creators]
    creator_cum = cal.cumulative(cal.zipf_weights(len(world.creators), 0.9))
    for kind, base, prices in (
        ("point_purchase", POINT_PURCHASES, POINT_PRICES),
        ("tip", TIPS, TIP_AMOUNTS),
    ):
        price_cum = cal.cumulative([p[1] for p in prices])
        for _ in range(ctx.count(base)):
            at = world.cal.grown(rng, cal.USER_GROWTH)
            user = world.registered_before(rng, at)
            if user is None:  # nobody had registered yet: move the purchase to the first one
                user, at = world.registered[0], max(at, world.registered_since[0])
            known = bisect.bisect_right(creator_since, at)
            creator = None
            if known and (kind == "tip" or rng.random() < 0.3):
                creator = cal.pick(rng, creator_cum, 0, known)
            amount = Decimal(prices[cal.pick(rng, price_cum)][0])
            drafts.append((at, user, kind, amount, _status(rng, at, end), None, creator))
    drafts.sort(key=lambda d: d[0])
    return [
        Payment(f"txn_{n:06d}", u, kind, amount, status, sub, creator, at)
        for n, (at, u, kind, amount, status, sub, creator) in enumerate(drafts, 1)
    ]
