"""Spec 001 ad performance: one data_type per ad platform, one record schema for all.

The source column is the data_type a record came in as. Keys beyond the known fields are
kept as dimensions (scalars only), so a platform's own breakdowns need no schema change.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field

from gateway.ingestion.registry import DataType, Record, UtcDatetime, register
from models import ads as m

_PLATFORM_NAMES = {
    "meta_ads": "Meta (Facebook/Instagram) Ads",
    "google_ads": "Google Ads",
    "tiktok_ads": "TikTok Ads",
    "linkedin_ads": "LinkedIn Ads",
    "twitter_ads": "X (Twitter) Ads",
    "snapchat_ads": "Snapchat Ads",
}
_CENT_FRACTION = Decimal("0.0001")


def _to_money(value: Decimal) -> Decimal:
    # Platforms compute spend in floats (0.1 + 0.2 = 0.30000000000000004): round to the
    # column's 4 places instead of refusing the batch over float noise.
    return value.quantize(_CENT_FRACTION, rounding=ROUND_HALF_EVEN)


Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e12")), AfterValidator(_to_money)]


def _scalar(value: Any) -> Any:
    if value is not None and not isinstance(value, str | int | float | bool):
        raise ValueError("an extra key becomes a dimension and must be a string, number or boolean")
    return value


# Extras are validated one by one, so an error names the offending key.
Dimension = Annotated[Any, BeforeValidator(_scalar)]


class AdRecord(Record):
    """Spec 001's ad record. Unknown keys are allowed: they become `dimensions`."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True, frozen=True)
    __pydantic_extra__: dict[str, Dimension] = Field(init=False)  # type: ignore[assignment]

    campaign_name: str = Field(min_length=1, max_length=300)
    campaign_id: str | None = Field(default=None, max_length=128)
    ad_set: str | None = Field(default=None, max_length=300)
    ad_name: str | None = Field(default=None, max_length=300)
    date: UtcDatetime = Field(description="start of the reported slot (hour or day)")
    impressions: int = Field(ge=0)
    # No `clicks <= impressions` rule: platforms count clicks and impressions in separate
    # pipelines (Meta's "clicks (all)" include clicks on the page, late clicks land in the
    # next slot), so real exports do show clicks > impressions now and then. Refusing those
    # rows would refuse the whole batch for data the platform itself stands by.
    clicks: int = Field(ge=0)
    spend: Money
    conversions: int = Field(default=0, ge=0)
    revenue: Money | None = None


def record_key(record: AdRecord, dimensions: dict[str, Any]) -> str:
    """What the row describes (never its figures): the same slot resent gets the same key."""
    identity = [
        record.campaign_name,
        record.campaign_id,
        record.ad_set,
        record.ad_name,
        record.date.isoformat(),  # already UTC: the same instant in any offset matches
        sorted(dimensions.items()),
    ]
    return hashlib.sha256(orjson.dumps(identity)).hexdigest()


def _row_for(source: str) -> Any:
    def to_row(record: AdRecord) -> dict[str, Any]:
        # A null extra is no dimension at all (as if the key were missing).
        dimensions = {k: v for k, v in (record.model_extra or {}).items() if v is not None}
        key = record_key(record, dimensions)
        row_id = hashlib.sha256(f"{source}\x1f{key}".encode()).hexdigest()[:24]
        return {
            "id": f"adp_{row_id}",
            "source": source,
            "record_key": key,
            "campaign_name": record.campaign_name,
            "campaign_id": record.campaign_id,
            "ad_set": record.ad_set,
            "ad_name": record.ad_name,
            "occurred_at": record.date,
            "impressions": record.impressions,
            "clicks": record.clicks,
            "conversions": record.conversions,
            "spend": record.spend,
            "revenue": record.revenue,
            "dimensions": dimensions,
        }

    return to_row


_RESEND_RULE = (
    "A row is identified by campaign_name, campaign_id, ad_set, ad_name, date and the extra "
    "keys: re-sending the same slot with corrected figures replaces the row."
)
_EXAMPLE = {
    "campaign_name": "Spring Tide 2024",
    "campaign_id": "cmp_8812",
    "impressions": 15000,
    "clicks": 450,
    "spend": 299.99,
    "conversions": 23,
    "revenue": 1150.0,
    "date": "2024-09-29T00:00:00Z",
    "utm_source": "facebook",
    "country": "US",
}


# The dimension keys each source has shown (models/ads.py AdDimensionKey).
_DIMENSION_KEYS = """
INSERT INTO ad_dimension_keys (workspace_id, source, key)
SELECT DISTINCT i.workspace_id, i.source, k.key
FROM {ins} i CROSS JOIN LATERAL jsonb_object_keys(i.dimensions) AS k(key)
WHERE length(k.key) <= 128
ON CONFLICT DO NOTHING
"""


def _describe(source: str) -> str:
    platform = _PLATFORM_NAMES.get(source)
    what = f"{platform} performance" if platform else "Ad performance from any other platform"
    return f"{what} per campaign and time slot; extra scalar keys become dimensions. " + (
        _RESEND_RULE
    )


register(
    *(
        DataType(
            name=source,
            domain="ads",
            description=_describe(source),
            record=AdRecord,
            table=m.AdPerformance,
            example=_EXAMPLE,
            conflict_key=("source", "record_key"),
            on_conflict="update",
            rollups=(_DIMENSION_KEYS,),
            to_row=_row_for(source),
        )
        for source in m.AD_SOURCES
    )
)
