"""The dashboard overview: revenue, traffic and conversion from the channel days, new
leads, each against the previous period of the same length; the channel split; the
health of the integrations; the newest activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.organic.analytics.channels import Totals, channel_days, display_name
from gateway.organic.analytics.window import Range, zone_of
from models.organic import Activity, Integration, Lead

PERIOD_DAYS = {"today": 1, "week": 7, "month": 30, "quarter": 90, "year": 365}
SERVICE_STATES = {"connected": "operational", "error": "degraded", "disconnected": "disconnected"}
# Spec 003's services, in its order, and the integration each runs on.
SERVICES = {"tiktok": "tiktok", "email": "gmail", "blog": "wordpress", "mcf": "mcf"}
RECENT = 5


@dataclass
class Overview:
    metrics: dict[str, dict[str, Any]]
    channels: list[dict[str, Any]]
    health_status: str
    services: dict[str, str]
    recent_activity: list[Activity]


def _change(now: float, before: float, *, points: bool = False) -> dict[str, Any]:
    if points:
        change = round(now - before, 1)
    elif before:
        change = round((now - before) / before * 100, 1)
    else:
        change = 100.0 if now else 0.0
    return {
        "value": now,
        "change": change,
        "trend": "up" if change > 0 else "down" if change < 0 else "flat",
    }


async def _leads(
    session: AsyncSession, ws: str, current: Range, previous: Range
) -> tuple[int, int]:
    row = (
        await session.execute(
            select(
                func.count().filter(Lead.created_at >= current.since),
                func.count().filter(Lead.created_at < current.since),
            ).where(
                Lead.workspace_id == ws,
                Lead.created_at >= previous.since,
                Lead.created_at < current.until,
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def overview(session: AsyncSession, ws: str, date_range: str, now: dt.datetime) -> Overview:
    zone = await zone_of(session, ws)
    today = now.astimezone(zone).date()
    current = Range(today - dt.timedelta(days=PERIOD_DAYS[date_range] - 1), today, zone)
    previous = current.previous()
    both = Range(previous.start, current.end, zone)
    per_channel = await channel_days(session, ws, both, "day")
    totals, before = Totals(), Totals()
    shares = []
    for entry in per_channel:
        mine = Totals()
        for day, sums in entry.by_bucket.items():
            (mine if day >= current.start else before).add(sums)
        totals.add(mine)
        shares.append((entry.channel, mine))
    leads_now, leads_before = await _leads(session, ws, current, previous)
    totals.leads, before.leads = leads_now, leads_before
    metrics = {
        "revenue": _change(totals.value("revenue"), before.value("revenue")),
        "traffic": _change(totals.value("traffic"), before.value("traffic")),
        "leads": _change(leads_now, leads_before),
        "conversion": _change(totals.value("conversion"), before.value("conversion"), points=True),
    }
    revenue = float(totals.revenue)
    channels = [
        {
            "channel": channel,
            "name": display_name(channel),
            "revenue": sums.value("revenue"),
            "traffic": sums.traffic,
            "percentage": round(float(sums.revenue) / revenue * 100, 1) if revenue else 0.0,
        }
        for channel, sums in sorted(shares, key=lambda s: (-s[1].revenue, s[0]))
    ]
    integrations = (
        await session.execute(
            select(Integration.provider, Integration.status)
            .where(Integration.workspace_id == ws)
            .order_by(Integration.provider)
        )
    ).all()
    states = {p: SERVICE_STATES.get(s, s) for p, s in integrations}
    services = {name: states.get(provider, "disconnected") for name, provider in SERVICES.items()}
    recent = list(
        await session.scalars(
            select(Activity)
            .where(Activity.workspace_id == ws)
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(RECENT)
        )
    )
    status = "degraded" if "degraded" in services.values() else "healthy"
    return Overview(metrics, channels, status, services, recent)
