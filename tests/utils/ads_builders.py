"""A small fixed set of ad performance rows whose every figure can be computed by hand
(spec 001's query engine tests: tests/resolvers/test_ads.py, tests/rest/test_pipeline_*.py).

meta_ads on 2024-09-29, UTC:

| row | campaign    | time  | impr | clicks | spend | conv | rev | utm_source | country | status |
|-----|-------------|-------|------|--------|-------|------|-----|------------|---------|--------|
| R1  | Spring Tide | 00:00 | 1000 | 30     | 12.50 | 2    | 50  | facebook   | US      | active |
| R2  | Spring Tide | 00:30 | 1000 | 10     | 7.50  | 0    | -   | facebook   | DE      | active |
| R3  | Autumn Glow | 00:00 | 3000 | 90     | 30.00 | 3    | 45  | instagram  | -       | paused |
| R4  | Spring Tide | 01:00 | 2000 | 20     | 10.00 | 1    | 40  | facebook   | US      | active |
| R5  | Spring Tide | 02:00 | 9999 | 99     | 99.00 | 9    | 99  | facebook   | -       | active |

google_ads: G1 Spring Tide 00:00, 500 impressions, 5 clicks, 5.00 spent, 1 conversion.
"""

from __future__ import annotations

from typing import Any

DAY = "2024-09-29"


def ad(
    campaign: str,
    time: str,
    impressions: int,
    clicks: int,
    spend: str,
    conversions: int,
    revenue: str | None = None,
    **dims: Any,
) -> dict[str, Any]:
    return {
        "campaign_name": campaign,
        "date": f"{DAY}T{time}:00Z",
        "impressions": impressions,
        "clicks": clicks,
        "spend": spend,
        "conversions": conversions,
        "revenue": revenue,
        **dims,
    }


META = [
    ad("Spring Tide", "00:00", 1000, 30, "12.50", 2, "50", utm_source="facebook", country="US",
       campaign_status="active"),
    ad("Spring Tide", "00:30", 1000, 10, "7.50", 0, None, utm_source="facebook", country="DE",
       campaign_status="active"),
    ad("Autumn Glow", "00:00", 3000, 90, "30.00", 3, "45", utm_source="instagram",
       campaign_status="paused"),
    ad("Spring Tide", "01:00", 2000, 20, "10.00", 1, "40", utm_source="facebook", country="US",
       campaign_status="active"),
    ad("Spring Tide", "02:00", 9999, 99, "99.00", 9, "99", utm_source="facebook",
       campaign_status="active"),
]  # fmt: skip
GOOGLE = [ad("Spring Tide", "00:00", 500, 5, "5.00", 1)]


async def load(upload: Any) -> None:
    await upload("meta_ads", META)
    await upload("google_ads", GOOGLE)
