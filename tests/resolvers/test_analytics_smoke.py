"""Every analytics field runs on an empty and on a small workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.utils.builders import World

NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)

FIELDS = """
{ dashboardSummary { overview { totalUsers activeUsersToday } revenue { totalRevenue } }
  platformHealth { status database }
  userStats { totalUsers byLanguage { key count percentage } }
  userGrowth(granularity: WEEK) { buckets newUsers activeUsers premiumConversions growthRate }
  userRetention { retention { day1 } churn { thisWeek } cohorts { start startUsers cells } }
  userSegments { name count averageRevenue }
  characterStatsSummary { total growthRate }
  topCharacters(sortBy: USERS) { characters { id uniqueUsers userGrowthRate } totalPages }
  characterCategories { categories { name count } topTags { tag count } }
  characterEngagement { buckets messagesPerCharacter uniqueUsersPerCharacter }
  messageAnalytics(granularity: HOUR) { periodMessages peakHours { hour messages } }
  imageAnalytics { totalImagesGenerated }
  sessionAnalytics { totalSessions byDevice { mobile } }
  favoriteAnalytics { totalFavorites }
  revenueSummary { totalRevenue breakdown { type total } }
  revenueTimeline { buckets total }
  subscriptionAnalytics { activeSubscriptions retention { month1 } }
  conversionFunnel { visitors registered }
  creatorEcosystem { totalCreators topCreators { id topCharacter { id } } }
  topCreators(sortBy: EARNINGS) { creators { id } }
  contentStats { characters { total } }
  geoDistribution { countries { code name } }
  featureAdoption { key users }
}
"""


@pytest.mark.parametrize("with_data", [False, True])
async def test_every_field_answers(graphql, upload, with_data: bool) -> None:
    if with_data:
        await World().build().load(upload)
    result = await graphql(FIELDS, extras={"now": NOW})
    assert result.errors is None, result.errors
    assert result.data["platformHealth"]["database"] == "connected"


@pytest.mark.parametrize("field", ["userGrowth", "characterEngagement"])
async def test_distinct_counts_refuse_hour_buckets(graphql, field: str) -> None:
    """Distinct users and characters are kept per local day: an hour series of them would
    be zeros, so it is refused."""
    result = await graphql(f"{{ {field}(period: LAST_7_DAYS, granularity: HOUR) {{ buckets }} }}")
    assert result.errors is not None
    error = result.errors[0]
    assert error.extensions["code"] == "BAD_USER_INPUT"
    assert error.extensions["argument"] == "granularity"
    assert "per local day" in error.message
