"""Spec 001's metrics, each named once: what a row contributes and how a group of rows
aggregates. The query engine (models/analytics/ads_query.py), the graph, the REST routes and
docs/metrics.md all read this table; nothing else names a metric.

A metric is a *total* (a column summed over rows) or a *ratio* (numerator over
denominator). `aggregation_type` says how the rows of one bucket and dimension value combine:

- totals: `sum` (default), `avg` (mean per row), `min`, `max`, `count` (rows);
- ratios: `avg` (default: the group's own ratio, sum of numerators over sum of denominators,
  which is the mean of the rows' ratios weighted by their denominators), `min` and `max`
  (of the rows' own ratios), `count` (rows whose ratio is defined). A sum of ratios has no
  meaning and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

TOTAL, RATIO = "total", "ratio"
AGGREGATIONS = ("sum", "avg", "min", "max", "count")


@dataclass(frozen=True)
class AdMetricDefinition:
    name: str
    kind: str  # TOTAL or RATIO
    numerator: str  # an ad_performance column
    description: str
    denominator: str | None = None
    scale: int = 1  # avg_cpm: per 1,000 impressions
    # roas: only rows that report revenue count (a row without revenue is "not tracked",
    # not "earned nothing"), on both sides of the ratio.
    reported_only: bool = False

    @property
    def aggregations(self) -> tuple[str, ...]:
        return AGGREGATIONS if self.kind == TOTAL else ("avg", "min", "max", "count")

    @property
    def default_aggregation(self) -> str:
        return "sum" if self.kind == TOTAL else "avg"

    @property
    def integral(self) -> bool:
        """Sums, minima and maxima of whole counts are whole numbers."""
        return self.kind == TOTAL and self.numerator in ("impressions", "clicks", "conversions")


def _total(name: str, column: str, description: str) -> AdMetricDefinition:
    return AdMetricDefinition(name, TOTAL, column, description)


def _ratio(
    name: str, numerator: str, denominator: str, description: str, **kw: object
) -> AdMetricDefinition:
    return AdMetricDefinition(name, RATIO, numerator, description, denominator, **kw)  # type: ignore[arg-type]


METRICS: dict[str, AdMetricDefinition] = {
    m.name: m
    for m in (
        _total("total_spend", "spend", "Money spent (the platform's currency, as uploaded)."),
        _total("total_impressions", "impressions", "Times an ad was shown."),
        _total("total_clicks", "clicks", "Clicks on an ad."),
        _total("total_conversions", "conversions", "Conversions the platform attributed."),
        _total(
            "total_revenue",
            "revenue",
            "Revenue the platform attributed; rows without reported revenue are left out.",
        ),
        _ratio("avg_ctr", "clicks", "impressions", "Click-through rate: clicks / impressions."),
        _ratio("avg_cpc", "spend", "clicks", "Cost per click: spend / clicks."),
        _ratio(
            "avg_cpm",
            "spend",
            "impressions",
            "Cost per 1,000 impressions: spend / impressions x 1,000.",
            scale=1000,
        ),
        _ratio("avg_cpa", "spend", "conversions", "Cost per acquisition: spend / conversions."),
        _ratio(
            "conversion_rate",
            "conversions",
            "clicks",
            "Conversions per click: conversions / clicks.",
        ),
        _ratio(
            "roas",
            "revenue",
            "spend",
            "Return on ad spend: revenue / spend, over rows that report revenue only.",
            reported_only=True,
        ),
    )
}

# Dimensions that are columns of ad_performance; every other name is an uploaded extra key.
COLUMN_DIMENSIONS = ("campaign_name", "campaign_id", "ad_set", "ad_name")
# Extra keys spec 001's clients use, valid before any record of a source carried them.
DOCUMENTED_DIMENSIONS = (
    "campaign_status",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "country",
    "device",
    "placement",
)

# Spec 001: "granularity must be between 60 and 86400"; more than MAX_BUCKETS buckets is
# refused (the answer would be too large to be a dashboard's).
MIN_GRANULARITY, MAX_GRANULARITY = 60, 86_400
MAX_BUCKETS = 10_000
MAX_METRICS = 20
MAX_DIMENSIONS = 4
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 1000
NOT_SET = "(not set)"  # a row without the dimension (as analytics tools label it)
KEY_SEPARATOR = " / "  # several dimensions: "google / cpc"
TOTAL_KEY = "total"  # the one key of `values` without dimensions
