"""Spec 000, the AI character platform's marketing API (`/api/marketing`): one declaration
per documented route (POST /api/marketing/keys/generate is identity's)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from gateway.rest.envelopes import Marketing
from gateway.rest.marketing import audience_shapes as audience
from gateway.rest.marketing import business_shapes as business
from gateway.rest.marketing import exports
from gateway.rest.marketing.params import (
    ALL,
    DWM,
    EVERY,
    SHORT,
    YEAR,
    page_fields,
    params,
    variables,
)
from gateway.rest.routing import RestRoute

BASE = "/api/marketing"
ANALYTICS, USERS, CHARACTERS, REVENUE = (
    "read:analytics",
    "read:users",
    "read:characters",
    "read:revenue",
)


def get(
    path: str,
    summary: str,
    tag: str,
    scopes: tuple[str, ...],
    operation: str,
    respond: Any,
    query: type[BaseModel] | None = None,
    *,
    passes: Any = None,
) -> RestRoute:
    """`passes` overrides which GraphQL variables the validated parameters give."""
    extra: dict[str, Any] = {}
    if query is not None:
        extra = {"params": query, "variables": passes or (lambda call: variables(call.params))}
    return RestRoute(
        method="GET",
        path=BASE + path,
        summary=summary,
        tag=tag,
        envelope=Marketing,
        scopes=scopes,
        operation=operation,
        respond=respond,
        **extra,
    )


_PERIOD_DWM = params("PeriodGranularity", period=(YEAR, "30d"), granularity=(DWM, "day"))
_SHORT_DWM = params("ShortPeriodGranularity", period=(SHORT, "30d"), granularity=(DWM, "day"))
_SHORT = params("ShortPeriod", period=(SHORT, "30d"))
_YEAR = params("YearPeriod", period=(YEAR, "30d"))


class WebhookBody(BaseModel):
    url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(min_length=1, max_length=6)
    secret: str | None = Field(default=None, min_length=8, max_length=256)


ROUTES: list[RestRoute] = [
    get(
        "/dashboard/summary",
        "Platform summary metrics",
        "Overview",
        (ANALYTICS, REVENUE),
        "{ dashboardSummary { overview { totalUsers newUsersToday newUsersThisWeek "
        "newUsersThisMonth userGrowthRate activeUsersToday activeUsersThisWeek "
        "monthlyActiveUsers } characters { totalCharacters publicCharacters privateCharacters "
        "newCharactersThisWeek characterGrowthRate } engagement { totalMessages messagesToday "
        "messagesThisWeek averageMessagesPerUser averageSessionSeconds totalImagesGenerated "
        "imagesGeneratedToday } revenue { totalRevenue revenueToday revenueThisWeek "
        "revenueThisMonth revenueGrowthRate averageRevenuePerUser premiumUsers "
        "premiumConversionRate } generatedAt } }",
        audience.summary,
    ),
    get(
        "/dashboard/health",
        "Platform health check",
        "Overview",
        (ANALYTICS,),
        "{ platformHealth { status database apiLatencyMs activeConnections uptimeSeconds } }",
        audience.health,
    ),
    get(
        "/users/stats",
        "User statistics",
        "Users",
        (ANALYTICS,),
        # Platform-wide, as spec 000's example shows (its totals are the dashboard's): period
        # and granularity are validated but change no number (docs/metrics.md).
        "{ userStats(period: ALL_TIME) { totalUsers registeredUsers "
        "temporaryUsers premiumUsers creatorAccounts byLanguage { key count percentage } "
        "byGender { key count percentage } generatedAt } }",
        audience.user_stats,
        params("UserStatsQuery", period=(EVERY, "30d"), granularity=(DWM, "day")),
        passes=lambda call: {},
    ),
    get(
        "/users/growth",
        "User growth timeline",
        "Users",
        (ANALYTICS,),
        "query($period: Period!, $granularity: Granularity!) { userGrowth(period: $period, "
        "granularity: $granularity) { buckets newUsers activeUsers premiumConversions "
        "growthRate } }",
        audience.user_growth,
        _PERIOD_DWM,
    ),
    get(
        "/users/retention",
        "Retention & churn",
        "Users",
        (ANALYTICS,),
        "query($period: Period!, $cohort: CohortSize!) { userRetention(period: $period, "
        "cohort: $cohort) { retention { day1 day7 day14 day30 } churn { thisWeek thisMonth } "
        "cohorts { start startUsers cells } } }",
        audience.retention,
        params(
            "RetentionQuery",
            period=(SHORT, "30d"),
            cohort=(("daily", "weekly", "monthly"), "weekly"),
        ),
    ),
    get(
        "/users/segments",
        "User segments",
        "Users",
        (ANALYTICS,),
        "{ userSegments { name description count percentage averageRevenue } }",
        audience.segments,
    ),
    get(
        "/characters/stats",
        "Character statistics",
        "Characters",
        (CHARACTERS,),
        "query($period: Period!) { characterStatsSummary(period: $period) { total public private "
        "nsfw sfw female male other newThisWeek newThisMonth growthRate } }",
        audience.character_stats,
        params("CharacterStatsQuery", period=(ALL, "30d")),
    ),
    get(
        "/characters/top-performing",
        "Top characters",
        "Characters",
        (CHARACTERS,),
        "query($period: Period!, $sortBy: CharacterRankBy!, $limit: Int!, $page: Int!, "
        "$nsfw: NsfwFilter!) { topCharacters(period: $period, sortBy: $sortBy, limit: $limit, "
        "page: $page, nsfw: $nsfw) { characters { id name slug imageUrl creatorId creatorName "
        "category tags isNsfw createdAt totalMessages uniqueUsers favorites imagesGenerated "
        "averageSessionMinutes messagesThisWeek userGrowthRate } totalCharacters page "
        "totalPages } }",
        audience.top_characters,
        params(
            "TopCharactersQuery",
            period=(SHORT, "30d"),
            nsfw=(("true", "false", "all"), "all"),
            **page_fields(("messages", "users", "favorites", "images"), "messages"),
        ),
    ),
    get(
        "/characters/categories",
        "Category distribution",
        "Characters",
        (CHARACTERS,),
        "{ characterCategories { categories { name count percentage } topTags { tag count } } }",
        lambda d, call: d["characterCategories"],
    ),
    get(
        "/characters/engagement",
        "Engagement timeline",
        "Characters",
        (CHARACTERS,),
        "query($period: Period!, $granularity: Granularity!) { characterEngagement(period: "
        "$period, granularity: $granularity) { buckets newCharacters messagesPerCharacter "
        "uniqueUsersPerCharacter averageMessagesPerCharacter averageUsersPerCharacter "
        "averageSessionsPerCharacter } }",
        audience.character_engagement,
        _SHORT_DWM,
    ),
    get(
        "/engagement/messages",
        "Message analytics",
        "Engagement",
        (ANALYTICS,),
        "query($period: Period!, $granularity: Granularity!) { messageAnalytics(period: $period, "
        "granularity: $granularity) { totalMessages periodMessages averageMessagesPerDay "
        "averageMessagesPerUser averageMessagesPerSession buckets values "
        "peakHours { hour messages } byDayOfWeek { day messages } } }",
        audience.messages,
        params(
            "MessagesQuery", period=(SHORT, "30d"), granularity=(("hour", "day", "week"), "day")
        ),
    ),
    get(
        "/engagement/images",
        "Image generation stats",
        "Engagement",
        (ANALYTICS,),
        "query($period: Period!) { imageAnalytics(period: $period) { totalImagesGenerated "
        "periodImages averageImagesPerDay averageImagesPerUser buckets values "
        "topCharacters { id name count } usersWithImages totalImageLikes "
        "averageLikesPerImage } }",
        audience.images,
        _SHORT,
    ),
    get(
        "/engagement/sessions",
        "Session analytics",
        "Engagement",
        (ANALYTICS,),
        "query($period: Period!) { sessionAnalytics(period: $period) { totalSessions "
        "averageDurationSeconds averageMessagesPerSession bounceRate "
        "byDevice { mobile desktop tablet } buckets sessions averageDurations } }",
        audience.sessions,
        _SHORT,
    ),
    get(
        "/engagement/favorites",
        "Favorite analytics",
        "Engagement",
        (ANALYTICS,),
        "query($period: Period!) { favoriteAnalytics(period: $period) { totalFavorites "
        "newFavoritesThisWeek averageFavoritesPerUser averageFavoritesPerCharacter "
        "topCharacters { id name count imageUrl } favoriteGrowthRate } }",
        audience.favorites,
        _SHORT,
    ),
    get(
        "/revenue/summary",
        "Revenue summary",
        "Revenue",
        (REVENUE,),
        "query($period: Period!) { revenueSummary(period: $period) { totalRevenue periodRevenue "
        "revenueGrowthRate averageRevenuePerUser averageRevenuePerPayingUser "
        "breakdown { type total percentage count } activeSubscribers currency } }",
        business.revenue_summary,
        _YEAR,
    ),
    get(
        "/revenue/timeline",
        "Revenue timeline",
        "Revenue",
        (REVENUE,),
        "query($period: Period!, $granularity: Granularity!) { revenueTimeline(period: $period, "
        "granularity: $granularity) { buckets total subscription pointPurchase tip } }",
        business.revenue_timeline,
        _PERIOD_DWM,
    ),
    get(
        "/revenue/subscriptions",
        "Subscription analytics",
        "Revenue",
        (REVENUE,),
        "query($period: Period!) { subscriptionAnalytics(period: $period) { activeSubscriptions "
        "newSubscriptionsThisWeek cancelledThisWeek churnRate netGrowth monthlyRecurringRevenue "
        "averageSubscriptionValue byTier { tier subscribers revenue price } "
        "retention { month1 month3 month6 month12 } } }",
        business.subscriptions,
        _SHORT,
    ),
    get(
        "/revenue/conversions",
        "Conversion funnel",
        "Revenue",
        (ANALYTICS,),
        "{ conversionFunnel { visitors registered activated engaged paying daysToFirstPurchase "
        "daysFromFirstChatToSubscription } }",
        business.conversions,
    ),
    get(
        "/creators/stats",
        "Creator statistics",
        "Creators",
        (ANALYTICS,),
        "{ creatorEcosystem { totalCreators activeCreators newCreatorsThisMonth "
        "totalCharactersByCreators averageCharactersPerCreator topCreators { id username "
        "charactersCount followers totalMessages earnings } } }",
        business.creator_stats,
    ),
    get(
        "/creators/top",
        "Top creators",
        "Creators",
        (ANALYTICS,),
        "query($period: Period!, $sortBy: CreatorRankBy!, $limit: Int!, $page: Int!) { "
        "topCreators(period: $period, sortBy: $sortBy, limit: $limit, page: $page) { creators { "
        "id username profileUrl isVerified createdAt followers charactersCount totalMessages "
        "totalImages earnings payingFans topCharacter { id name messages } } totalCreators page "
        "totalPages } }",
        business.top_creators,
        params(
            "TopCreatorsQuery",
            period=(SHORT, "30d"),
            **page_fields(("followers", "characters", "messages", "earnings"), "followers"),
        ),
    ),
    get(
        "/content/stats",
        "Content moderation stats",
        "Content",
        (ANALYTICS,),
        "{ contentStats { characters { total nsfw sfw pendingReview flagged } images { "
        "totalGenerated nsfwImages sfwImages } reports { totalReports pendingReview resolved } } }",
        business.content,
    ),
    get(
        "/geo/distribution",
        "Geographic distribution",
        "Geographic",
        (ANALYTICS,),
        "{ geoDistribution { countries { code name users percentage } languages { code name users "
        "percentage } regions { name users percentage } } }",
        business.geo,
    ),
    get(
        "/features/usage",
        "Feature usage stats",
        "Features",
        (ANALYTICS,),
        "{ featureAdoption { name users percentage averagePerUser } }",
        business.features,
    ),
    *exports.ROUTES,
    RestRoute(
        method="POST",
        path=BASE + "/webhooks/register",
        summary="Register webhook",
        tag="Webhooks",
        envelope=Marketing,
        scopes=("write:webhooks",),
        body=WebhookBody,
        operation="mutation($url: String!, $events: [String!]!, $secret: String) { "
        "registerWebhook(url: $url, events: $events, secret: $secret) { id url events "
        "status createdAt } }",
        variables=lambda call: call.body.model_dump(),
        respond=business.webhook,
        status_code=201,
    ),
]
