"""Creating ad campaigns. A new campaign waits for review (`pending_review`, as spec 004
answers), and its first campaign_update says so to live clients with zero performance."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import social as m
from models.base import new_id
from resolvers.errors import BadUserInput
from subscriptions.events import iso, record_event


async def create_campaign(
    session: AsyncSession,
    *,
    workspace_id: str,
    name: str,
    platform: str,
    type: str,
    budget_total: Decimal,
    budget_daily: Decimal | None,
    targeting: dict[str, Any],
    start_at: datetime | None,
    end_at: datetime | None,
    creative: dict[str, Any],
) -> m.AdCampaign:
    if budget_total < 0 or (budget_daily is not None and budget_daily < 0):
        raise BadUserInput("A budget cannot be negative", field="budget")
    if budget_daily is not None and budget_daily > budget_total:
        raise BadUserInput("The daily budget exceeds the total", field="budget.daily")
    if start_at and end_at and end_at <= start_at:
        raise BadUserInput("endDate must be after startDate", field="schedule.endDate")
    now = datetime.now(UTC)
    campaign = m.AdCampaign(
        workspace_id=workspace_id,
        id=new_id("camp"),
        name=name,
        platform=platform,
        type=type,
        status="pending_review",
        budget_total=budget_total,
        budget_daily=budget_daily,
        targeting=targeting,
        start_at=start_at,
        end_at=end_at,
        creative=creative,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    await record_event(
        session,
        workspace_id=workspace_id,
        type="campaign_update",
        subject=campaign.id,
        payload={
            "campaignId": campaign.id,
            "performance": {"impressions": 0, "clicks": 0, "spent": 0},
            "timestamp": iso(now.replace(microsecond=0)),
        },
    )
    return campaign
