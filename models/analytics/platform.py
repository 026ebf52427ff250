"""Content moderation, geography and feature usage (spec 000 sections 7-9)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.names import COUNTRIES, FEATURES, LANGUAGES
from models.analytics.sql import (
    character_facets,
    hourly_sums,
    one,
    ranked,
    rows,
    together,
    user_facets,
)
from models.analytics.window import Frame, pct, ratio

TOP_COUNTRIES, TOP_LANGUAGES, TOP_REGIONS = 10, 10, 5


async def content_stats(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    everything = frame.last_days(None)
    facets, row, images = await together(
        session,
        character_facets(session, frame, ["all", "nsfw", "pending_review", "flagged"]),
        one(
            session,
            "SELECT count(*) AS reports, count(*) FILTER (WHERE status = 'pending') AS pending "
            "FROM moderation_reports WHERE workspace_id = :ws",
            ws=frame.workspace_id,
        ),
        hourly_sums(session, frame, everything.start, everything.end, ["images", "nsfw_images"]),
    )
    total, nsfw = facets["all"].get("", 0), facets["nsfw"].get("", 0)
    return {
        "characters": {
            "total": total,
            "nsfw": nsfw,
            "sfw": total - nsfw,
            "pending_review": facets["pending_review"].get("", 0),
            "flagged": facets["flagged"].get("", 0),
        },
        "images": {
            "total_generated": images["images"],
            "nsfw_images": images["nsfw_images"],
            "sfw_images": images["images"] - images["nsfw_images"],
        },
        "reports": {
            "total_reports": row.reports,
            "pending_review": row.pending,
            "resolved": row.reports - row.pending,
        },
    }


async def geo(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    facets = await user_facets(session, frame, ["all", "country", "language", "region"])
    total = facets["all"].get("", 0)
    countries = ranked(facets["country"])[:TOP_COUNTRIES]
    languages = ranked(facets["language"])[:TOP_LANGUAGES]
    regions = ranked(facets["region"])[:TOP_REGIONS]
    return {
        "countries": [
            {
                "code": k,
                "name": COUNTRIES.get(k, k),
                "users": n,
                "percentage": pct(n, total),
            }
            for k, n in countries
        ],
        "languages": [
            {
                "code": k,
                "name": LANGUAGES.get(k, k),
                "users": n,
                "percentage": pct(n, total),
            }
            for k, n in languages
        ],
        "regions": [{"name": k, "users": n, "percentage": pct(n, total)} for k, n in regions],
    }


async def feature_usage(session: AsyncSession, frame: Frame) -> list[dict[str, Any]]:
    # Users and uses of each feature: counters kept by ingestion (platform_rollups.py).
    found, facets = await together(
        session,
        rows(
            session,
            "SELECT name, value FROM platform_counters WHERE workspace_id = :ws "
            "AND name = ANY(:names)",
            ws=frame.workspace_id,
            names=[f"{kind}:{key}" for key in FEATURES for kind in ("users", "uses")],
        ),
        user_facets(session, frame, ["all"]),
    )
    counters = {r.name: r.value for r in found}
    users = facets["all"].get("", 0)
    result = []
    for key, name in FEATURES.items():
        used, uses = counters.get(f"users:{key}", 0), counters.get(f"uses:{key}", 0)
        result.append(
            {
                "key": key,
                "name": name,
                "users": used,
                "percentage": pct(used, users),
                "average_per_user": ratio(uses, used),
            }
        )
    return result
