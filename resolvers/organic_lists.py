"""Spec 003's lists by position (limit/offset, as its REST routes page): content, email
campaigns and the activity feed. The cursor connections beside them (contentItems,
emailCampaigns, activities) page the same rows by keyset."""

from __future__ import annotations

import strawberry

from models import organic as m
from resolvers.context import Info
from resolvers.organic import ContentFilter, ContentItem, _content_filters, content_item
from resolvers.organic_dashboard import Activity, activity
from resolvers.organic_email import (
    CampaignType,
    EmailCampaign,
    EmailCampaignStatus,
    email_campaign,
)
from resolvers.pagination import DEFAULT_PAGE_SIZE, OffsetPage, offset_page


@strawberry.type
class Query:
    @strawberry.field(description="Content, newest first, by position.")
    async def content_list(
        self,
        info: Info,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        filter: ContentFilter | None = None,
    ) -> OffsetPage[ContentItem]:
        c = m.ContentItem
        statement = info.context.scope.select(c).where(*_content_filters(filter or ContentFilter()))
        return await offset_page(
            info.context.sessions,
            statement,
            c.created_at.desc(),
            c.id.desc(),
            limit=limit,
            offset=offset,
            to_node=lambda row: content_item(row[0]),
        )

    @strawberry.field(description="Email campaigns, newest first, by position.")
    async def email_campaign_list(
        self,
        info: Info,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        type: CampaignType | None = None,
        status: EmailCampaignStatus | None = None,
    ) -> OffsetPage[EmailCampaign]:
        c = m.EmailCampaign
        statement = info.context.scope.select(c)
        if type is not None:
            statement = statement.where(c.type == type.value)
        if status is not None:
            statement = statement.where(c.status == status.value)
        return await offset_page(
            info.context.sessions,
            statement,
            c.created_at.desc(),
            c.id.desc(),
            limit=limit,
            offset=offset,
            to_node=lambda row: email_campaign(row[0]),
        )

    @strawberry.field(description="The activity feed, newest first, by position.")
    async def activity_feed(
        self,
        info: Info,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        types: list[str] | None = None,
    ) -> OffsetPage[Activity]:
        a = m.Activity
        statement = info.context.scope.select(a)
        if types:
            statement = statement.where(a.type.in_(types))
        return await offset_page(
            info.context.sessions,
            statement,
            a.occurred_at.desc(),
            a.id.desc(),
            limit=limit,
            offset=offset,
            to_node=lambda row: activity(row[0]),
        )
