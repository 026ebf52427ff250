"""Time shapes for the demo: growth over ~13 months, a weekly cycle, an evening peak.

Every time is a float POSIX timestamp until a record is built (floats are cheap to draw in
bulk). Days are sampled from cumulative weights with bisect; the hour from a local-time
profile that peaks at 21-22h, shifted by the user's UTC offset.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

DAY = 86_400.0
HOUR = 3_600.0
HISTORY_DAYS = 396  # ~13 months: 7d, 30d, 90d and 365d periods all have data

# Spec 000 "byDayOfWeek" (Monday first, as datetime.weekday() counts): weekends busier.
WEEKDAY_WEIGHTS = (20_000, 21_000, 22_000, 21_500, 23_000, 24_500, 25_000)
# Local hour of day: quiet at night, a lunch bump, the evening peak at 21-22h (spec 4.1).
HOUR_WEIGHTS = (
    *(30, 18, 10, 6, 5, 6, 10, 18, 26, 30, 33, 38),
    *(44, 42, 40, 42, 46, 54, 62, 70, 78, 85, 82, 55),
)
# Daily growth rate of signups: ~23% of users joined in the last 30 days, ~6% in the last 7.
USER_GROWTH = 0.0088
CHARACTER_GROWTH = 0.0058


def default_anchor() -> datetime:
    """Today at 00:00 UTC: the demo's "now"; every generated time lies before it."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def as_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(round(timestamp, 3), UTC)


def cumulative(weights: Sequence[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def pick(rng: random.Random, cum: Sequence[float], lo: int = 0, hi: int | None = None) -> int:
    """An index in [lo, hi) drawn in proportion to the weights behind `cum`."""
    hi = len(cum) if hi is None else hi
    base = cum[lo - 1] if lo > 0 else 0.0
    x = base + rng.random() * (cum[hi - 1] - base)
    return min(bisect.bisect_right(cum, x, lo, hi), hi - 1)


def survival_draw(rng: random.Random, curve: Sequence[tuple[float, float]]) -> float:
    """A lifetime drawn from a survival curve [(time, share still there)]: linear between
    the points; past the last point (its share of draws) the lifetime is infinite."""
    u = rng.random()
    if u <= curve[-1][1]:
        return math.inf
    for (t0, s0), (t1, s1) in itertools.pairwise(curve):
        if s1 <= u <= s0:
            return t0 + (s0 - u) / (s0 - s1) * (t1 - t0)
    return 0.0


def zipf_weights(n: int, exponent: float) -> list[float]:
    """Long-tail popularity: the k-th most popular item weighs 1 / k**exponent."""
    return [1.0 / (k**exponent) for k in range(1, n + 1)]


@dataclass
class Calendar:
    """The demo's history: HISTORY_DAYS whole days ending at the anchor (exclusive)."""

    anchor: datetime
    days: int = HISTORY_DAYS
    start: float = field(init=False)
    end: float = field(init=False)

    def __post_init__(self) -> None:
        self.end = self.anchor.timestamp()
        self.start = self.end - self.days * DAY
        weekday = [WEEKDAY_WEIGHTS[self._weekday(d)] for d in range(self.days)]
        self._activity = cumulative(weekday)
        self._growth = {
            rate: cumulative([w * math.exp(rate * d) for d, w in enumerate(weekday)])
            for rate in (USER_GROWTH, CHARACTER_GROWTH, 0.0)
        }
        self._hours = cumulative(HOUR_WEIGHTS)

    def _weekday(self, day: int) -> int:
        return int(((self.start + day * DAY) // DAY + 3) % 7)  # 1970-01-01 was a Thursday

    def day_of(self, timestamp: float) -> int:
        return max(0, min(self.days - 1, int((timestamp - self.start) // DAY)))

    def grown(self, rng: random.Random, rate: float, utc_offset: float = 0.0) -> float:
        """A moment drawn from an exponentially growing daily volume (signups, creations)."""
        return self._at(rng, pick(rng, self._growth[rate]), utc_offset)

    def within(
        self, rng: random.Random, lo: float, hi: float, utc_offset: float = 0.0, tries: int = 4
    ) -> float:
        """A moment in [lo, hi) shaped by the weekly and daily cycles (user activity)."""
        lo, hi = max(lo, self.start), min(hi, self.end - 1.0)
        if hi <= lo:
            return hi
        first, last = self.day_of(lo), self.day_of(hi)
        for _ in range(tries):
            moment = self._at(rng, pick(rng, self._activity, first, last + 1), utc_offset)
            if lo <= moment < hi:
                return moment
        return lo + rng.random() * (hi - lo)

    def _at(self, rng: random.Random, day: int, utc_offset: float) -> float:
        local_hour = pick(rng, self._hours)
        moment = self.start + day * DAY + (local_hour - utc_offset + rng.random()) * HOUR
        return min(max(moment, self.start), self.end - 1.0)
