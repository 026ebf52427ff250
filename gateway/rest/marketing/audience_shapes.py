"""Spec 000 response shapes, mapped from the graph's typed results (section 1-5)."""

from __future__ import annotations

from typing import Any

from gateway.rest.marketing import formats as f


def summary(d: dict[str, Any], call: Any) -> dict[str, Any]:
    s = d["dashboardSummary"]
    e = s["engagement"]
    return {
        "overview": s["overview"],
        "characters": s["characters"],
        "engagement": {
            "totalMessages": e["totalMessages"],
            "messagesToday": e["messagesToday"],
            "messagesThisWeek": e["messagesThisWeek"],
            "averageMessagesPerUser": e["averageMessagesPerUser"],
            "averageSessionDuration": f.duration(e["averageSessionSeconds"]),
            "totalImagesGenerated": e["totalImagesGenerated"],
            "imagesGeneratedToday": e["imagesGeneratedToday"],
        },
        "revenue": s["revenue"],
        "lastUpdated": f.millis(s["generatedAt"]),
    }


def health(d: dict[str, Any], call: Any) -> dict[str, Any]:
    h = d["platformHealth"]
    return {
        "status": h["status"],
        "database": h["database"],
        "apiLatency": h["apiLatencyMs"],
        "activeConnections": h["activeConnections"],
        "serverUptime": f.uptime(h["uptimeSeconds"]),
    }


def _shares(items: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [{name: i["key"], "count": i["count"], "percentage": i["percentage"]} for i in items]


def user_stats(d: dict[str, Any], call: Any) -> dict[str, Any]:
    s = d["userStats"]
    return {
        "totalUsers": s["totalUsers"],
        "registeredUsers": s["registeredUsers"],
        "temporaryUsers": s["temporaryUsers"],
        "premiumUsers": s["premiumUsers"],
        "creatorAccounts": s["creatorAccounts"],
        "demographics": {
            "byLanguage": _shares(s["byLanguage"], "language"),
            "byGender": _shares(s["byGender"], "gender"),
        },
        "lastUpdated": f.millis(s["generatedAt"]),
    }


def user_growth(d: dict[str, Any], call: Any) -> dict[str, Any]:
    g = d["userGrowth"]
    return {
        "labels": f.labels(g["buckets"], call.params.granularity),
        "datasets": {
            "newUsers": g["newUsers"],
            "activeUsers": g["activeUsers"],
            "premiumConversions": g["premiumConversions"],
        },
        "totals": {
            "totalNewUsers": sum(g["newUsers"]),
            "totalActiveUsers": sum(g["activeUsers"]),
            "totalConversions": sum(g["premiumConversions"]),
            "growthRate": g["growthRate"],
        },
    }


_COHORT = {"daily": ("Day", "day"), "weekly": ("Week", "week"), "monthly": ("Month", "month")}


def retention(d: dict[str, Any], call: Any) -> dict[str, Any]:
    r = d["userRetention"]
    title, cell = _COHORT[call.params.cohort]
    return {
        "retentionRate": r["retention"],
        "churnRate": r["churn"],
        "cohortAnalysis": [
            {
                "cohort": f"{title} {i}",
                "startUsers": c["startUsers"],
                **{f"{cell}{k}": v for k, v in enumerate(c["cells"], start=1)},
            }
            for i, c in enumerate(r["cohorts"], start=1)
        ],
    }


def segments(d: dict[str, Any], call: Any) -> dict[str, Any]:
    return {
        "segments": [
            {k: s[k] for k in ("name", "description", "count", "percentage", "averageRevenue")}
            for s in d["userSegments"]
        ]
    }


def character_stats(d: dict[str, Any], call: Any) -> dict[str, Any]:
    s = d["characterStatsSummary"]
    return {
        **{k: s[k] for k in ("total", "public", "private", "nsfw", "sfw")},
        "byGender": {k: s[k] for k in ("female", "male", "other")},
        **{k: s[k] for k in ("newThisWeek", "newThisMonth", "growthRate")},
    }


def top_characters(d: dict[str, Any], call: Any) -> dict[str, Any]:
    t = d["topCharacters"]
    return {
        "characters": [
            {
                **{
                    k: c[k]
                    for k in (
                        "id",
                        "name",
                        "slug",
                        "imageUrl",
                        "creatorId",
                        "creatorName",
                        "category",
                        "tags",
                        "isNsfw",
                    )
                },
                "metrics": {
                    "totalMessages": c["totalMessages"],
                    "uniqueUsers": c["uniqueUsers"],
                    "favorites": c["favorites"],
                    "imagesGenerated": c["imagesGenerated"],
                    "averageSessionLength": c["averageSessionMinutes"],
                    "messagesThisWeek": c["messagesThisWeek"],
                    "userGrowthRate": c["userGrowthRate"],
                },
                "createdAt": f.millis(c["createdAt"]),
            }
            for c in t["characters"]
        ],
        "totalCharacters": t["totalCharacters"],
        "page": t["page"],
        "totalPages": t["totalPages"],
    }


def character_engagement(d: dict[str, Any], call: Any) -> dict[str, Any]:
    e = d["characterEngagement"]
    return {
        "labels": f.labels(e["buckets"], call.params.granularity),
        "datasets": {
            "newCharacters": e["newCharacters"],
            "messagesPerCharacter": e["messagesPerCharacter"],
            "uniqueUsersPerCharacter": e["uniqueUsersPerCharacter"],
        },
        "averages": {
            "messagesPerCharacter": e["averageMessagesPerCharacter"],
            "usersPerCharacter": e["averageUsersPerCharacter"],
            "sessionsPerCharacter": e["averageSessionsPerCharacter"],
        },
    }


def messages(d: dict[str, Any], call: Any) -> dict[str, Any]:
    m = d["messageAnalytics"]
    return {
        **{
            k: m[k]
            for k in (
                "totalMessages",
                "periodMessages",
                "averageMessagesPerDay",
                "averageMessagesPerUser",
                "averageMessagesPerSession",
            )
        },
        "timeline": {
            "labels": f.labels(m["buckets"], call.params.granularity),
            "values": m["values"],
        },
        "peakHours": [{**h, "label": f.hour_label(h["hour"])} for h in m["peakHours"]],
        "byDayOfWeek": m["byDayOfWeek"],
    }


def images(d: dict[str, Any], call: Any) -> dict[str, Any]:
    i = d["imageAnalytics"]
    return {
        **{
            k: i[k]
            for k in (
                "totalImagesGenerated",
                "periodImages",
                "averageImagesPerDay",
                "averageImagesPerUser",
            )
        },
        "timeline": {"labels": f.labels(i["buckets"], "day"), "values": i["values"]},
        "topImageGeneratingCharacters": [
            {"characterId": c["id"], "name": c["name"], "imageCount": c["count"]}
            for c in i["topCharacters"]
        ],
        **{k: i[k] for k in ("usersWithImages", "totalImageLikes", "averageLikesPerImage")},
    }


def sessions(d: dict[str, Any], call: Any) -> dict[str, Any]:
    s = d["sessionAnalytics"]
    return {
        "totalSessions": s["totalSessions"],
        "averageSessionDuration": s["averageDurationSeconds"],
        "averageSessionDurationFormatted": f.duration(s["averageDurationSeconds"]),
        "averageMessagesPerSession": s["averageMessagesPerSession"],
        "bounceRate": s["bounceRate"],
        "sessionsByDevice": s["byDevice"],
        "timeline": {
            "labels": f.labels(s["buckets"], "day"),
            "sessions": s["sessions"],
            "avgDuration": s["averageDurations"],
        },
    }


def favorites(d: dict[str, Any], call: Any) -> dict[str, Any]:
    v = d["favoriteAnalytics"]
    return {
        **{
            k: v[k]
            for k in (
                "totalFavorites",
                "newFavoritesThisWeek",
                "averageFavoritesPerUser",
                "averageFavoritesPerCharacter",
            )
        },
        "topFavoritedCharacters": [
            {
                "characterId": c["id"],
                "name": c["name"],
                "favoriteCount": c["count"],
                "imageUrl": c["imageUrl"],
            }
            for c in v["topCharacters"]
        ],
        "favoriteGrowthRate": v["favoriteGrowthRate"],
    }
