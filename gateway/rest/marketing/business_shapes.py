"""Spec 000 response shapes, mapped from the graph's typed results (sections 5-9, 11)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from gateway.rest.envelopes import Marketing
from gateway.rest.marketing import formats as f
from models.analytics.window import money, pct

_BREAKDOWN = {
    "subscription": ("subscriptions", "activeSubscribers"),
    "point_purchase": ("pointPurchases", "totalPurchases"),
    "tip": ("tips", "totalTips"),
}


def revenue_summary(d: dict[str, Any], call: Any) -> dict[str, Any]:
    r = d["revenueSummary"]
    breakdown = {}
    for part in r["breakdown"]:
        name, counter = _BREAKDOWN[part["type"]]
        count = r["activeSubscribers"] if part["type"] == "subscription" else part["count"]
        breakdown[name] = {"total": part["total"], "percentage": part["percentage"], counter: count}
    return {
        **{
            k: r[k]
            for k in (
                "totalRevenue",
                "periodRevenue",
                "revenueGrowthRate",
                "averageRevenuePerUser",
                "averageRevenuePerPayingUser",
            )
        },
        "breakdown": breakdown,
        "currency": r["currency"],
    }


def revenue_timeline(d: dict[str, Any], call: Any) -> dict[str, Any]:
    t = d["revenueTimeline"]

    def total(values: list[float]) -> float:
        return money(sum(values))  # the buckets hold whole cents: no rounding is repeated

    return {
        "labels": f.labels(t["buckets"], call.params.granularity),
        "datasets": {
            "totalRevenue": t["total"],
            "subscriptions": t["subscription"],
            "pointPurchases": t["pointPurchase"],
            "tips": t["tip"],
        },
        "totals": {
            "periodTotal": total(t["total"]),
            "subscriptionsTotal": total(t["subscription"]),
            "pointPurchasesTotal": total(t["pointPurchase"]),
            "tipsTotal": total(t["tip"]),
        },
    }


def subscriptions(d: dict[str, Any], call: Any) -> dict[str, Any]:
    s = d["subscriptionAnalytics"]
    return {
        **{
            k: s[k]
            for k in (
                "activeSubscriptions",
                "newSubscriptionsThisWeek",
                "cancelledThisWeek",
                "churnRate",
                "netGrowth",
                "monthlyRecurringRevenue",
                "averageSubscriptionValue",
                "byTier",
            )
        },
        "subscriptionRetention": s["retention"],
    }


def conversions(d: dict[str, Any], call: Any) -> dict[str, Any]:
    c = d["conversionFunnel"]
    stages = ("visitors", "registered", "activated", "engaged", "paying")

    def rate(part: int, whole: int) -> float:
        return pct(part, whole)

    return {
        "funnel": {k: c[k] for k in stages},
        "conversionRates": {
            "visitorToRegistered": rate(c["registered"], c["visitors"]),
            "registeredToActivated": rate(c["activated"], c["registered"]),
            "activatedToEngaged": rate(c["engaged"], c["activated"]),
            "engagedToPaying": rate(c["paying"], c["engaged"]),
            "overallConversion": rate(c["paying"], c["visitors"]),
        },
        "averageTimeToConversion": {
            "registrationToFirstPurchase": f.days(c["daysToFirstPurchase"]),
            "firstChatToSubscription": f.days(c["daysFromFirstChatToSubscription"]),
        },
    }


def _creator_brief(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "creatorId": c["id"],
        "username": c["username"],
        "charactersCount": c["charactersCount"],
        "totalFollowers": c["followers"],
        "totalMessages": c["totalMessages"],
        "earnings": c["earnings"],
    }


def creator_stats(d: dict[str, Any], call: Any) -> dict[str, Any]:
    s = d["creatorEcosystem"]
    return {
        **{
            k: s[k]
            for k in (
                "totalCreators",
                "activeCreators",
                "newCreatorsThisMonth",
                "totalCharactersByCreators",
                "averageCharactersPerCreator",
            )
        },
        "topCreators": [_creator_brief(c) for c in s["topCreators"]],
    }


def top_creators(d: dict[str, Any], call: Any) -> Response:
    """Spec 000 documents `creators` alone for this route: the page rides in headers."""
    t = d["topCreators"]
    body = {
        "creators": [
            {
                "creatorId": c["id"],
                "username": c["username"],
                "profileUrl": c["profileUrl"],
                "isVerified": c["isVerified"],
                "metrics": {
                    "followers": c["followers"],
                    "charactersCount": c["charactersCount"],
                    "totalMessages": c["totalMessages"],
                    "totalImages": c["totalImages"],
                    "earnings": c["earnings"],
                    "subscriberCount": c["payingFans"],
                },
                "topCharacter": c["topCharacter"],
                "createdAt": f.millis(c["createdAt"]),
            }
            for c in t["creators"]
        ],
    }
    response = Marketing.ok(body)
    response.headers.update(
        {
            "X-Page": str(t["page"]),
            "X-Per-Page": str(call.params.limit),
            "X-Total-Pages": str(t["totalPages"]),
            "X-Total-Count": str(t["totalCreators"]),
        }
    )
    return response


def content(d: dict[str, Any], call: Any) -> dict[str, Any]:
    c = d["contentStats"]
    return {
        "characters": c["characters"],
        "images": c["images"],
        "reports": c["reports"],
    }


def geo(d: dict[str, Any], call: Any) -> dict[str, Any]:
    g = d["geoDistribution"]
    return {
        "byCountry": [
            {
                "country": c["code"],
                "countryName": c["name"],
                "users": c["users"],
                "percentage": c["percentage"],
            }
            for c in g["countries"]
        ],
        "byLanguage": [
            {
                "language": c["code"],
                "languageName": c["name"],
                "users": c["users"],
                "percentage": c["percentage"],
            }
            for c in g["languages"]
        ],
        "topRegions": [
            {"region": r["name"], "users": r["users"], "percentage": r["percentage"]}
            for r in g["regions"]
        ],
    }


def features(d: dict[str, Any], call: Any) -> dict[str, Any]:
    return {
        "features": [
            {
                "feature": x["name"],
                "usersUsed": x["users"],
                "usagePercentage": x["percentage"],
                "averageUsagePerUser": x["averagePerUser"],
            }
            for x in d["featureAdoption"]
        ]
    }


def webhook(d: dict[str, Any], call: Any) -> dict[str, Any]:
    w = d["registerWebhook"]
    return {
        "webhookId": w["id"],
        "url": w["url"],
        "events": w["events"],
        "status": w["status"],
        "createdAt": f.millis(w["createdAt"]),
    }
