"""Ad performance uploads: one schema for every ad source, extras kept as dimensions, and
corrected figures replacing the slot they correct."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from gateway.ingestion import IngestionRejected, registry
from models import ads as m


def ad(campaign: str = "Spring Tide", hour: int = 0, **kw):  # type: ignore[no-untyped-def]
    return {
        "campaign_name": campaign,
        "impressions": 1000,
        "clicks": 30,
        "spend": 12.5,
        "conversions": 2,
        "date": f"2024-09-29T{hour:02d}:00:00Z",
        **kw,
    }


async def rows(sessions, workspace):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        result = await session.scalars(
            select(m.AdPerformance)
            .where(m.AdPerformance.workspace_id == workspace)
            .order_by(m.AdPerformance.source, m.AdPerformance.campaign_name)
        )
        return list(result)


def test_every_ad_source_is_a_data_type_with_the_spec_record():
    names = set(registry.data_type_names())
    assert set(m.AD_SOURCES) <= names
    example = {
        "campaign_name": "Summer Sale 2024",
        "impressions": 15000,
        "clicks": 450,
        "spend": 299.99,
        "conversions": 23,
        "date": "2024-09-29T00:00:00Z",
    }
    for source in m.AD_SOURCES:
        spec = registry.get(source)
        assert spec is not None and spec.conflict_key == ("source", "record_key")
        (record,) = spec.adapter.validate_python([example])
        assert spec.row(record)["source"] == source


async def test_extra_keys_become_dimensions(upload, sessions, workspace):
    await upload(
        "meta_ads",
        [ad(utm_source="facebook", utm_medium="cpc", country="US", is_retargeting=True, x=None)],
    )
    (row,) = await rows(sessions, workspace)
    assert row.source == "meta_ads"
    assert row.dimensions == {
        "utm_source": "facebook",
        "utm_medium": "cpc",
        "country": "US",
        "is_retargeting": True,
    }
    assert (row.impressions, row.clicks, row.conversions) == (1000, 30, 2)
    assert (row.spend, row.revenue) == (Decimal("12.5000"), None)
    assert row.occurred_at.isoformat() == "2024-09-29T00:00:00+00:00"


async def test_a_non_scalar_extra_is_rejected_naming_row_and_key(upload, sessions, workspace):
    records = [ad(), ad(hour=1, targeting={"age": "18-24"}), ad(hour=2, tags=["a"])]
    with pytest.raises(IngestionRejected) as caught:
        await upload("google_ads", records)
    assert [(e.index, e.field) for e in caught.value.errors] == [(1, "targeting"), (2, "tags")]
    assert "string, number or boolean" in caught.value.errors[0].message
    assert await rows(sessions, workspace) == []


async def test_resending_a_slot_replaces_its_figures(upload, sessions, workspace):
    first = await upload("tiktok_ads", [ad(utm_source="tiktok"), ad("Autumn Glow")])
    # Same campaign, same hour, same dimensions (time in another offset): a correction.
    corrected = ad(spend="14.75", clicks=31, utm_source="tiktok", date="2024-09-29T02:00:00+02:00")
    second = await upload("tiktok_ads", [corrected])
    assert (first.records_inserted, second.records_inserted, second.records_updated) == (2, 0, 1)
    by_campaign = {r.campaign_name: r for r in await rows(sessions, workspace)}
    assert len(by_campaign) == 2
    assert (by_campaign["Spring Tide"].spend, by_campaign["Spring Tide"].clicks) == (
        Decimal("14.7500"),
        31,
    )


async def test_other_dimensions_sources_or_hours_are_other_rows(upload, sessions, workspace):
    await upload("meta_ads", [ad(country="US"), ad(country="DE"), ad(hour=1, country="US")])
    await upload("google_ads", [ad(country="US")])
    stored = await rows(sessions, workspace)
    assert len(stored) == 4
    assert len({r.id for r in stored}) == 4
    assert [r.source for r in stored] == ["google_ads", "meta_ads", "meta_ads", "meta_ads"]


async def test_negative_figures_are_rejected_but_clicks_may_exceed_impressions(upload):
    with pytest.raises(IngestionRejected) as caught:
        await upload("linkedin_ads", [ad(spend=-1), ad(impressions=-5)])
    assert [(e.index, e.field) for e in caught.value.errors] == [(0, "spend"), (1, "impressions")]
    result = await upload("linkedin_ads", [ad(impressions=10, clicks=12)])
    assert result.records_inserted == 1


async def test_float_noise_in_money_is_rounded_not_refused(upload, sessions, workspace):
    await upload("ad_performance", [ad(spend=0.1 + 0.2, revenue="19.99")])
    (row,) = await rows(sessions, workspace)
    assert (row.source, row.spend, row.revenue) == (
        "ad_performance",
        Decimal("0.3000"),
        Decimal("19.9900"),
    )
