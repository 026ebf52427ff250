"""The workspace's business profile: a partial update merges into the one row (created on
first write), `contact` and `marketing` key by key, and tells the workspace's users."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import social as m
from models.base import new_id
from subscriptions.events import iso, record_event

COLUMNS = (
    "company_name",
    "industry",
    "business_type",
    "company_size",
    "website",
    "founded_year",
    "description",
)


async def update_business_settings(
    session: AsyncSession,
    *,
    workspace_id: str,
    values: dict[str, Any],
    contact: dict[str, Any],
    marketing: dict[str, Any],
) -> m.BusinessSettings:
    now = datetime.now(UTC)
    row = await session.get(m.BusinessSettings, workspace_id, with_for_update=True)
    if row is None:
        row = m.BusinessSettings(workspace_id=workspace_id, contact={}, marketing={})
        session.add(row)
    for name in COLUMNS:
        if name in values:
            setattr(row, name, values[name])
    # New dicts: JSONB columns notice reassignment, not in-place changes.
    row.contact = {**(row.contact or {}), **contact}
    row.marketing = {**(row.marketing or {}), **marketing}
    row.updated_at = now
    await session.flush()
    await record_event(
        session,
        workspace_id=workspace_id,
        type="notification",
        subject=f"business_settings:{iso(now)}",
        payload={
            "id": new_id("notif"),
            "title": "Business Profile Updated",
            "message": "Your business profile settings were updated",
            "type": "info",
            "actionUrl": "/settings/business",
            "timestamp": iso(now.replace(microsecond=0)),
        },
    )
    return row
