"""Content moderation, geography and feature usage (spec 000 sections 7-9)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.analytics.names import COUNTRIES, FEATURES, LANGUAGES
from models.analytics.sql import hourly_sums, one, rows
from models.analytics.window import Frame, pct, ratio

TOP_COUNTRIES, TOP_LANGUAGES, TOP_REGIONS = 10, 10, 5


async def content_stats(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    row = await one(
        session,
        """
SELECT count(*) AS total, count(*) FILTER (WHERE is_nsfw) AS nsfw,
  count(*) FILTER (WHERE review_status = 'pending') AS pending,
  count(*) FILTER (WHERE is_flagged) AS flagged,
  (SELECT count(*) FROM moderation_reports WHERE workspace_id = :ws) AS reports,
  (SELECT count(*) FROM moderation_reports WHERE workspace_id = :ws AND status = 'pending')
    AS reports_pending
FROM characters WHERE workspace_id = :ws
""",
        ws=frame.workspace_id,
    )
    everything = frame.last_days(None)
    images = await hourly_sums(
        session, frame, everything.start, everything.end, ["images", "nsfw_images"]
    )
    return {
        "characters": {
            "total": row.total,
            "nsfw": row.nsfw,
            "sfw": row.total - row.nsfw,
            "pending_review": row.pending,
            "flagged": row.flagged,
        },
        "images": {
            "total_generated": images["images"],
            "nsfw_images": images["nsfw_images"],
            "sfw_images": images["images"] - images["nsfw_images"],
        },
        "reports": {
            "total_reports": row.reports,
            "pending_review": row.reports_pending,
            "resolved": row.reports - row.reports_pending,
        },
    }


async def geo(session: AsyncSession, frame: Frame) -> dict[str, Any]:
    async def top(column: str, limit: int) -> tuple[int, list[Any]]:
        found = await rows(
            session,
            f"SELECT {column} AS k, count(*) AS n, sum(count(*)) OVER () AS total "
            f"FROM platform_users WHERE workspace_id = :ws GROUP BY 1 ORDER BY 2 DESC, 1",
            ws=frame.workspace_id,
        )
        total = int(found[0].total) if found else 0
        return total, [r for r in found if r.k is not None][:limit]

    total, countries = await top("country", TOP_COUNTRIES)
    _, languages = await top("language", TOP_LANGUAGES)
    _, regions = await top("region", TOP_REGIONS)
    return {
        "countries": [
            {
                "code": r.k,
                "name": COUNTRIES.get(r.k, r.k),
                "users": r.n,
                "percentage": pct(r.n, total),
            }
            for r in countries
        ],
        "languages": [
            {
                "code": r.k,
                "name": LANGUAGES.get(r.k, r.k),
                "users": r.n,
                "percentage": pct(r.n, total),
            }
            for r in languages
        ],
        "regions": [{"name": r.k, "users": r.n, "percentage": pct(r.n, total)} for r in regions],
    }


async def feature_usage(session: AsyncSession, frame: Frame) -> list[dict[str, Any]]:
    found = {
        r.feature: r
        for r in await rows(
            session,
            "SELECT feature, count(*) AS users, sum(uses) AS uses FROM feature_user_stats "
            "WHERE workspace_id = :ws GROUP BY 1",
            ws=frame.workspace_id,
        )
    }
    users = (
        await one(
            session,
            "SELECT count(*) AS n FROM platform_users WHERE workspace_id = :ws",
            ws=frame.workspace_id,
        )
    ).n
    result = []
    for key, name in FEATURES.items():
        row = found.get(key)
        used, uses = (row.users, row.uses) if row else (0, 0)
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
