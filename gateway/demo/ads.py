"""Spec 001, the analytics pipeline: hourly performance of ~20 ad campaigns on Meta, Google
and TikTok over the last 90 days, with utm_source, utm_medium and campaign_status as
dimensions.

Counts: campaigns = 20 x scale (at least 1), each reporting every hour of the last 90 days:
rows = campaigns x 90 x 24 (43,200 at scale 1), one stream per ad platform. Rows come hour
by hour, each hour's campaigns together, as platform reports arrive. A paused
campaign still reports its hours (zero delivery, campaign_status "paused"), as the
platforms' exports do.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from gateway.demo import calendar as cal
from gateway.demo.streams import DemoContext, Records, Stream

BASE_CAMPAIGNS = 20
DAYS = 90
HOURS = DAYS * 24
# source -> (utm_source, utm_medium, CTR, cost per click, conversion rate, average order)
SOURCES = {
    "meta_ads": ("facebook", "paid_social", 0.012, 0.85, 0.030, 48.0),
    "google_ads": ("google", "cpc", 0.035, 1.60, 0.045, 62.0),
    "tiktok_ads": ("tiktok", "paid_social", 0.009, 0.55, 0.018, 39.0),
}
THEMES = ("Spring Tide", "Summer Glow", "Harvest Moon", "Winter Hearth", "Evergreen", "Night Owl")
GOALS = ("Prospecting", "Retargeting", "Lookalike", "Brand Search", "Launch", "Always On")
AUDIENCES = ("18-24", "25-34", "35-44", "45+", "Broad", "Interests")


@dataclass(frozen=True, slots=True)
class Campaign:
    n: int
    source: str
    name: str
    daily_impressions: float
    paused: tuple[int, int] | None  # (first, last) day index of a pause within the 90 days


def campaigns(ctx: DemoContext) -> list[Campaign]:
    rng = ctx.rng("ad-campaigns")
    out = []
    for n in range(ctx.count(BASE_CAMPAIGNS)):
        source = tuple(SOURCES)[n % len(SOURCES)]
        name = f"{rng.choice(THEMES)} {rng.choice(GOALS)} {2024 + n % 2}"
        paused = None
        if rng.random() < 0.3:  # some campaigns paused for a stretch (budget, creative review)
            first = rng.randrange(DAYS - 10)
            paused = (first, first + rng.randint(3, 10))
        volume = rng.lognormvariate(math.log(20_000), 0.6)
        out.append(Campaign(n, source, name, volume, paused))
    return out


def streams(ctx: DemoContext) -> list[Stream]:
    start = ctx.calendar.end - DAYS * cal.DAY
    all_campaigns = campaigns(ctx)
    hour_share = [w / sum(cal.HOUR_WEIGHTS) for w in cal.HOUR_WEIGHTS]
    weekday_mean = sum(cal.WEEKDAY_WEIGHTS) / 7

    def make_for(source: str, own: list[Campaign]) -> Stream:
        utm_source, utm_medium, ctr, cpc, cvr, aov = SOURCES[source]

        def rows(rng: random.Random, a: int, b: int) -> Records:
            out = []
            for i in range(a, b):
                # Hour by hour, every campaign of an hour together, as the platforms'
                # reports arrive (and so the rows of a time range lie together on disk).
                hour, n = divmod(i, len(own))
                c = own[n]
                day = hour // 24
                at = start + hour * cal.HOUR
                paused = c.paused is not None and c.paused[0] <= day <= c.paused[1]
                weekday = cal.WEEKDAY_WEIGHTS[int((at // cal.DAY + 3) % 7)] / weekday_mean
                # Local evening peak (the audience is ~UTC-5), growing slowly over 90 days.
                local = int((hour % 24 - 5) % 24)
                growth = 1 + 0.3 * day / DAYS
                expected = c.daily_impressions * hour_share[local] * weekday * growth
                impressions = 0 if paused else max(0, round(rng.gauss(expected, expected * 0.15)))
                clicks = _binomial(rng, impressions, ctr * rng.uniform(0.8, 1.2))
                conversions = _binomial(rng, clicks, cvr)
                spend = round(clicks * cpc * rng.uniform(0.85, 1.15), 2)
                revenue = round(sum(rng.gauss(aov, aov / 4) for _ in range(conversions)), 2)
                out.append(
                    {
                        "campaign_name": c.name,
                        "campaign_id": f"cmp_{c.n + 1:04d}",
                        "date": cal.as_datetime(at),
                        "impressions": impressions,
                        "clicks": clicks,
                        "spend": spend,
                        "conversions": conversions,
                        "revenue": max(0.0, revenue),
                        "utm_source": utm_source,
                        "utm_medium": utm_medium,
                        "campaign_status": "paused" if paused else "active",
                    }
                )
            return out

        return Stream(source, len(own) * HOURS, rows)

    return [
        make_for(source, own)
        for source in SOURCES
        if (own := [c for c in all_campaigns if c.source == source])
    ]


def _binomial(rng: random.Random, n: int, p: float) -> int:
    """Successes of n trials: exact for small n, the normal approximation above."""
    if n <= 0 or p <= 0:
        return 0
    if n < 30:
        return sum(rng.random() < p for _ in range(n))
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    return max(0, min(n, round(rng.gauss(mean, sd))))
