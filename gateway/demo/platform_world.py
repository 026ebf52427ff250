"""The spec 000 world the platform's events are drawn from: users (who sign up ever faster
and churn), creators, characters (long-tail popularity) and chat sessions.

Everything here is small (tens of thousands of objects at scale 1) and planned up front;
the big event streams (messages, images, likes) are derived from it chunk by chunk.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

from faker import Faker

from gateway.demo import calendar as cal
from gateway.demo.streams import DemoContext

# Spec 000 figures at scale 1.
BASE = {
    "users": 15_000,
    "temporary_users": 3_000,
    "creators": 500,
    "characters": 5_000,
    "sessions": 50_000,
    "messages": 1_500_000,
    "images": 500_000,
}
# (country, language, region, UTC offset in hours, weight): spec 8.1's shares, roughly.
COUNTRIES = (
    ("US", "en", "North America", -5, 30),
    ("JP", "ja", "Asia", 9, 28),
    ("GB", "en", "Europe", 0, 9),
    ("CA", "en", "North America", -5, 4),
    ("MX", "es", "Latin America", -6, 5),
    ("ES", "es", "Europe", 1, 4),
    ("AR", "es", "Latin America", -3, 3),
    ("BR", "pt", "Latin America", -3, 4),
    ("DE", "de", "Europe", 1, 3),
    ("FR", "fr", "Europe", 1, 3),
    ("KR", "ko", "Asia", 9, 3),
    ("PH", "en", "Asia", 8, 2),
    ("AU", "en", "Oceania", 10, 2),
)
_COUNTRY_CUM = cal.cumulative([c[4] for c in COUNTRIES])
GENDERS = (("male", 53.3), ("female", 40.0), ("other", 6.7))
DEVICES = (("mobile", 60), ("desktop", 35), ("tablet", 5))
# Retention (spec 2.3): share of users still active after N days; ~13% never leave.
SURVIVAL = ((0, 1.0), (1, 0.655), (7, 0.452), (14, 0.385), (30, 0.301), (90, 0.2), (365, 0.13))
CHARACTER_ZIPF = 0.8  # the top character draws ~4% of all chats
IMAGE_USER_SHARE = 0.3  # spec 4.2: 4,500 of 15,000 users generate images


@dataclass(slots=True)
class User:
    id: str
    created: float
    leaves: float  # activity stops here (churn); past the anchor for loyal users
    temporary: bool
    country: tuple[str, str, str, int, int]
    language: str
    gender: str | None
    device: str
    username: str | None
    engagement: float
    makes_images: bool


@dataclass(slots=True)
class Character:
    id: str
    created: float
    creator: int | None  # index into World.creators
    is_nsfw: bool


@dataclass(slots=True)
class ChatSession:
    id: str
    user: int
    character: int
    start: float
    duration: float
    device: str


def _name_pool(seed: int) -> tuple[list[str], list[str]]:
    """Invented first and last names from Faker, drawn once (Faker is slow per call)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    firsts = sorted({fake.first_name() for _ in range(600)})
    lasts = sorted({fake.last_name() for _ in range(600)})
    return firsts, lasts


def weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([o[0] for o in options], [o[1] for o in options])[0]


class World:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx, self.cal = ctx, ctx.calendar
        self.names = _name_pool(ctx.seed)
        self.users = self._users(ctx.rng("users"))
        self.registered = [i for i, u in enumerate(self.users) if not u.temporary]
        self.registered_since = [self.users[i].created for i in self.registered]
        self.creators = self._creators(ctx.rng("creators"))
        self.characters = self._characters(ctx.rng("characters"))
        self.character_since = [c.created for c in self.characters]
        ranks = list(range(len(self.characters)))
        ctx.rng("popularity").shuffle(ranks)
        self._by_rank = ranks
        self._rank_cum = cal.cumulative(cal.zipf_weights(len(ranks), CHARACTER_ZIPF))
        self._activity_cum = cal.cumulative([self.activity_weight(u) for u in self.users])
        self.sessions = self._sessions(ctx.rng("sessions"))

    def _users(self, rng: random.Random) -> list[User]:
        total = self.ctx.count(BASE["users"])
        temporary = min(total - 1, self.ctx.count(BASE["temporary_users"])) if total > 1 else 0
        flags = [True] * temporary + [False] * (total - temporary)
        rng.shuffle(flags)
        drafts = []
        for is_temporary in flags:
            country = COUNTRIES[cal.pick(rng, _COUNTRY_CUM)]
            created = self.cal.grown(rng, cal.USER_GROWTH, country[3])
            days = cal.survival_draw(rng, SURVIVAL) * (0.3 if is_temporary else 1.0)
            language = "es" if country[0] == "US" and rng.random() < 0.12 else country[1]
            drafts.append((created, is_temporary, country, language, days))
        drafts.sort(key=lambda d: d[0])
        users = []
        for n, (created, is_temporary, country, language, days) in enumerate(drafts, 1):
            users.append(
                User(
                    id=f"user_{n:06d}",
                    created=created,
                    leaves=created + max(days * cal.DAY, 1_200.0),
                    temporary=is_temporary,
                    country=country,
                    language=language,
                    gender=None if is_temporary else weighted(rng, GENDERS),
                    device=weighted(rng, DEVICES),
                    username=None if is_temporary else self._username(rng, n),
                    engagement=rng.lognormvariate(0, 1.0) * (0.3 if is_temporary else 1.0),
                    makes_images=rng.random() < IMAGE_USER_SHARE,
                )
            )
        return users

    def _username(self, rng: random.Random, n: int) -> str:
        first, last = rng.choice(self.names[0]), rng.choice(self.names[1])
        return f"{first}{rng.choice(('', '_', '.'))}{last}{n}".lower()

    def active_window(self, user: User) -> tuple[float, float]:
        return user.created, min(user.leaves, self.cal.end)

    def activity_weight(self, user: User) -> float:
        lo, hi = self.active_window(user)
        return user.engagement * max(hi - lo, 1_200.0) / cal.DAY

    def registered_before(self, rng: random.Random, moment: float) -> int | None:
        """A registered user (index) who had signed up by `moment`."""
        known = bisect.bisect_right(self.registered_since, moment)
        return self.registered[rng.randrange(known)] if known else None

    def _creators(self, rng: random.Random) -> list[tuple[int, float, bool]]:
        """(user index, became a creator at, verified), ordered by when."""
        count = min(self.ctx.count(BASE["creators"]), len(self.registered))
        chosen = rng.sample(self.registered, count)
        creators = []
        for i in chosen:
            delay = rng.expovariate(1 / 20) * cal.DAY
            since = min(self.users[i].created + delay, self.cal.end - 60.0)
            creators.append((i, since, rng.random() < 0.1))
        return sorted(creators, key=lambda c: c[1])

    def _characters(self, rng: random.Random) -> list[Character]:
        total = self.ctx.count(BASE["characters"])
        creator_since = [c[1] for c in self.creators]
        creator_cum = cal.cumulative(cal.zipf_weights(len(self.creators), 0.3))
        drafts = []
        for n in range(total):
            created = self.cal.start if n == 0 else self.cal.grown(rng, cal.CHARACTER_GROWTH)
            creator = None
            if rng.random() < 0.6:  # spec 6.1: 3,000 of 5,000 characters come from creators
                known = bisect.bisect_right(creator_since, created)
                if known:
                    creator = cal.pick(rng, creator_cum, 0, known)
            drafts.append((created, creator, rng.random() < 0.4))
        drafts.sort(key=lambda d: d[0])
        return [
            Character(f"char_{n:05d}", created, creator, nsfw)
            for n, (created, creator, nsfw) in enumerate(drafts, 1)
        ]

    def popular_character(self, rng: random.Random, moment: float) -> int:
        """A character existing at `moment`, drawn from the long-tail popularity."""
        for _ in range(8):
            c = self._by_rank[cal.pick(rng, self._rank_cum)]
            if self.characters[c].created <= moment:
                return c
        return rng.randrange(max(1, bisect.bisect_right(self.character_since, moment)))

    def active_user(self, rng: random.Random) -> int:
        return cal.pick(rng, self._activity_cum)

    def _sessions(self, rng: random.Random) -> list[ChatSession]:
        drafts = []
        for _ in range(self.ctx.count(BASE["sessions"])):
            u = self.active_user(rng)
            user = self.users[u]
            start = self.cal.within(rng, *self.active_window(user), user.country[3])
            start = max(start, self.cal.start)
            if rng.random() < 0.15:  # bounces (spec 4.3: 15.5%)
                duration = rng.uniform(5, 60)
            else:
                duration = min(rng.lognormvariate(math.log(850), 0.7), 4 * cal.HOUR)
            duration = min(duration, self.cal.end - 1.0 - start)  # over before the anchor
            device = user.device if rng.random() < 0.85 else weighted(rng, DEVICES)
            drafts.append((start, u, self.popular_character(rng, start), duration, device))
        drafts.sort()
        return [
            ChatSession(f"sess_{n:06d}", u, c, start, duration, device)
            for n, (start, u, c, duration, device) in enumerate(drafts, 1)
        ]
