"""Specs 002, 003 and 004 record their events when ingestion writes their data.

Each test ingests a small dataset, asserts the exact outbox rows (type, subject, payload,
workspace), then re-sends what it sent (same batch_id, and the same records under a new
batch_id) and asserts nothing more was recorded.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid

from sqlalchemy import select
from websockets.asyncio.client import connect

from models.events import DomainEvent
from tests.subscriptions.conftest import next_message, transport_ws_subscribe
from tests.subscriptions.test_live import hub, until
from tests.utils import accounts
from tests.utils import coaching as co
from tests.utils import organic_builders as org
from tests.utils import social_builders as so


class Outbox:
    """The test workspace's events, read in the order they were recorded."""

    def __init__(self, sessions, workspace, upload):
        self.sessions, self.workspace, self.upload = sessions, workspace, upload
        self.seen = 0

    async def rows(self):
        async with self.sessions() as session:
            rows = await session.scalars(
                select(DomainEvent)
                .where(DomainEvent.workspace_id == self.workspace)
                .order_by(DomainEvent.created_at, DomainEvent.subject)
            )
            return list(rows)

    async def send(self, data_type, records):
        """Upload, then twice again (same batch_id; new batch_id): returns the new events
        as (type, subject, payload), asserting the re-sends recorded nothing."""
        batch_id = f"batch_{uuid.uuid4().hex}"
        await self.upload(data_type, records, batch_id=batch_id)
        new = await self._new()
        await self.upload(data_type, records, batch_id=batch_id)
        await self.upload(data_type, records)
        assert await self._new() == [], "a re-sent batch recorded events again"
        return new

    async def _new(self):
        rows = await self.rows()
        fresh, self.seen = rows[self.seen :], len(rows)
        assert all(r.workspace_id == self.workspace and r.id.startswith("evt_") for r in fresh)
        return [(r.type, r.subject, r.payload) for r in fresh]


def outbox(sessions, workspace, upload):
    return Outbox(sessions, workspace, upload)


ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _stamped(payload, key="timestamp"):
    """The payload with its (now) timestamp checked and replaced by a marker."""
    assert ISO_SECONDS.match(payload[key]), payload[key]
    return {**payload, key: "<now>"}


# --- spec 002 ------------------------------------------------------------------------------


def _end_user_payload(n, **kw):
    return {
        "user_id": co.uid("user", n),
        "external_id": f"ext-{n}",
        "channel": "web",
        "profile_data": {"name": f"Coachee {n}"},
        "timezone": None,
        "language": None,
        "is_active": True,
        "engagement_score": 0.5,
        "created_at": f"2024-03-01T{12 + n}:00:00Z",
        **kw,
    }


async def test_coaching_users_enrollments_messages_and_escalations(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    await upload("programs", [co.program(1)])
    await upload("channels", [co.channel(1)])

    assert await box.send("end_users", [co.end_user(1), co.end_user(2)]) == [
        ("user.created", co.uid("user", n), _end_user_payload(n)) for n in (1, 2)
    ]
    # user 1 unchanged apart from activity; user 2 renamed and given a language
    changed = co.end_user(2, profile_data={"name": "Coachee Two"}, language="pt")
    touched = co.end_user(1, last_active_at="2024-03-09T00:00:00Z")
    assert await box.send("end_users", [touched, changed]) == [
        (
            "user.updated",
            co.uid("user", 2),
            _end_user_payload(
                2,
                profile_data={"name": "Coachee Two"},
                language="pt",
                changed=["profile_data", "language"],
            ),
        )
    ]

    enrollment_id = "00000000-0000-4000-8000-00e000000001"
    active = {**co.enrollment(1, 1), "id": enrollment_id}
    assert await box.send("enrollments", [active]) == [
        (
            "program.enrolled",
            enrollment_id,
            {
                "enrollment_id": enrollment_id,
                "user_id": co.uid("user", 1),
                "program_id": co.uid("program", 1),
                "status": "active",
                "enrolled_at": "2024-03-03T12:00:00Z",
            },
        )
    ]
    done = {**co.enrollment(1, 1, status="completed"), "id": enrollment_id}
    assert await box.send("enrollments", [done]) == [
        (
            "program.completed",
            enrollment_id,
            {
                "enrollment_id": enrollment_id,
                "user_id": co.uid("user", 1),
                "program_id": co.uid("program", 1),
                "enrolled_at": "2024-03-03T12:00:00Z",
                "completed_at": "2024-03-05T12:00:00Z",
                "badge_id": None,
            },
        )
    ]

    ids = [f"00000000-0000-4000-8000-00f00000000{n}" for n in range(1, 6)]
    interactions = [
        co.interaction(1, 1, 1, id=ids[0], program_id=co.uid("program", 1)),
        co.interaction(1, 1, 2, id=ids[1], interaction_type="message_received"),
        co.interaction(1, 1, 3, id=ids[2], interaction_type="ai_response", is_ai=True),
        co.interaction(1, 1, 4, id=ids[3], is_ai=True),  # the AI's message_sent
        co.interaction(2, 1, 5, id=ids[4], interaction_type="human_escalation"),
    ]

    def about(key, n, user, hours, program=None):
        return {
            key: ids[n],
            "user_id": co.uid("user", user),
            "channel": "web",
            "channel_id": co.uid("channel", 1),
            "program_id": program,
            "created_at": f"2024-03-04T{12 + hours:02d}:00:00Z",
        }

    assert await box.send("interactions", interactions) == [
        ("message.received", ids[0], about("message_id", 0, 1, 1, co.uid("program", 1))),
        ("escalation.created", ids[4], about("escalation_id", 4, 2, 5)),
    ]


# --- spec 003 ------------------------------------------------------------------------------


async def test_content_published_and_failed(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    assert await box.send("content", [org.content(1)]) == []  # a draft says nothing

    published = org.content(
        1,
        status="published",
        published_at="2024-03-02T15:00:00Z",
        media_urls=["https://cdn.example.com/v/1.mp4"],
        metadata={"hashtags": ["#cardgame"]},
        updated_at="2024-03-02T14:55:00Z",
    )
    failed = org.content(2, status="failed", metadata={"error": "Upload rejected: too long"})
    assert await box.send("content", [published, failed]) == [
        (
            "content.published",
            "cnt_1",
            {
                "id": "cnt_1",
                "type": "tiktok",
                "status": "published",
                "title": "Clip 1",
                "body": "Body of clip 1",
                "mediaUrls": ["https://cdn.example.com/v/1.mp4"],
                "metadata": {"hashtags": ["#cardgame"]},
                "scheduledAt": None,
                "publishedAt": "2024-03-02T15:00:00Z",
                "createdBy": None,
                "createdAt": "2024-03-01T13:00:00Z",
                "updatedAt": "2024-03-02T14:55:00Z",
            },
        ),
        (
            "content.failed",
            "cnt_2",
            {
                "contentId": "cnt_2",
                "type": "tiktok",
                "title": "Clip 2",
                "error": "Upload rejected: too long",
                "failedAt": "2024-03-01T14:00:00Z",
            },
        ),
    ]
    # an edit of published content is not a second publication
    assert await box.send("content", [{**published, "title": "Clip one"}]) == []


async def test_email_campaigns_and_leads(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    assert await box.send("email_campaigns", [org.campaign(1, recipient_count=300)]) == []

    def sent(total, count):
        return (
            "email.sent",
            f"camp_1:{total}",
            {
                "campaignId": "camp_1",
                "name": "Campaign 1",
                "count": count,
                "totalSent": total,
                "recipientCount": 300,
                "sentAt": "2024-03-01T13:00:00Z",
            },
        )

    assert await box.send("email_campaigns", [org.campaign(1, recipient_count=300, sent=120)]) == [
        sent(120, 120)
    ]
    opened = org.campaign(1, recipient_count=300, sent=120, opened=40)
    assert await box.send("email_campaigns", [opened]) == []  # only opens moved
    more = org.campaign(1, recipient_count=300, sent=300, opened=40)
    assert await box.send("email_campaigns", [more]) == [sent(300, 180)]

    leads = [org.lead(1, tags=["vip"], custom_fields={"company": "Fernbrook"}), org.lead(2)]
    created = await box.send("leads", leads)
    assert created == [
        (
            "lead.created",
            "lead_1",
            {
                "id": "lead_1",
                "email": "reader1@example.com",
                "name": "Reader 1",
                "tags": ["vip"],
                "source": None,
                "status": "active",
                "customFields": {"company": "Fernbrook"},
                "stats": {"emailsSent": 0, "emailsOpened": 0, "linksClicked": 0},
                "createdAt": "2024-03-01T13:00:00Z",
            },
        ),
        ("lead.created", "lead_2", {**created[0][2], **_lead(2)}),
    ]
    # lead 3 arrives already unsubscribed: created, but no unsubscribe happened now
    changes = [
        org.lead(1, status="unsubscribed"),
        org.lead(2, status="bounced"),
        org.lead(3, status="unsubscribed"),
    ]
    events = await box.send("leads", changes)
    assert [(t, s) for t, s, _ in events] == [
        ("lead.created", "lead_3"),
        ("lead.unsubscribed", "lead_1"),
        ("email.bounced", "lead_2"),
    ]
    assert events[1][2] == {"leadId": "lead_1", "email": "reader1@example.com"}
    assert events[2][2] == {"leadId": "lead_2", "email": "reader2@example.com"}


def _lead(n):
    return {
        "id": f"lead_{n}",
        "email": f"reader{n}@example.com",
        "name": f"Reader {n}",
        "tags": [],
        "customFields": {},
        "createdAt": f"2024-03-01T{12 + n}:00:00Z",
    }


async def test_integrations_connected_and_failed(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    tiktok = {"id": "int_tiktok", "name": "TikTok", "provider": "tiktok"}
    assert await box.send("integrations", [tiktok]) == []  # disconnected

    def event(type_, status, previous, last_sync=None, of=tiktok):
        payload = {
            "integrationId": of["id"],
            "name": of["name"],
            "provider": of["provider"],
            "status": status,
            "previousStatus": previous,
            "lastSync": last_sync,
        }
        return (type_, of["id"], payload)

    gmail = {"id": "int_gmail", "name": "Gmail", "provider": "gmail", "status": "connected"}
    synced = {**tiktok, "status": "connected", "last_sync_at": "2024-03-01T09:00:00Z"}
    assert await box.send("integrations", [synced, gmail]) == [
        event("integration.connected", "connected", None, of=gmail),
        event("integration.connected", "connected", "disconnected", "2024-03-01T09:00:00Z"),
    ]
    assert await box.send("integrations", [{**gmail, "status": "error"}]) == [
        event("integration.failed", "error", "connected", of=gmail)
    ]


# --- spec 004 ------------------------------------------------------------------------------

AGENT = {
    "agentId": "intelligence",
    "efficiency": 95,
    "status": "active",
    "currentTask": "Analyzing competitor strategies",
    "progress": 75,
    "estimatedCompletion": "2024-09-15T11:00:00Z",
}


def _report(hours, **kw):
    return so.agent_report("intelligence", hours, **kw)


FULL_REPORT = _report(
    0,
    status="active",
    efficiency=95,
    current_task="Analyzing competitor strategies",
    progress=75,
    estimated_completion="2024-09-15T11:00:00Z",
)


async def test_agent_updates_follow_the_newest_report(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    assert await box.send("agent_status", [FULL_REPORT]) == [
        ("agent_update", "intelligence", AGENT)
    ]
    # an older report arriving late stays in the history and says nothing
    assert await box.send("agent_status", [_report(-1, status="error")]) == []
    # a partial newer report: the agent's whole state after it
    assert await box.send("agent_status", [_report(1, progress=80), _report(2, efficiency=96)]) == [
        ("agent_update", "intelligence", {**AGENT, "progress": 80, "efficiency": 96})
    ]


def _post_status(n, status, published_at=None):
    data = {"postId": f"post_{n}", "status": status, "publishedAt": published_at}
    return ("post_status", f"post_{n}", {**data, "platform": "linkedin"})


async def test_post_status_changes(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    assert await box.send("posts", [so.post(1)]) == [_post_status(1, "draft")]
    assert await box.send("posts", [so.post(1, title="Renamed")]) == []  # same status
    live = so.post(1, status="published", published_at="2024-09-15T10:30:00Z")
    assert await box.send("posts", [live, so.post(2)]) == [
        _post_status(1, "published", "2024-09-15T10:30:00Z"),
        _post_status(2, "draft"),
    ]


async def test_campaign_updates_and_the_budget_alert(upload, sessions, workspace):
    box = outbox(sessions, workspace, upload)
    await upload("ad_campaigns", [so.campaign(1)])  # budget_total 5000.00

    def update(impressions, clicks, spent):
        return {
            "campaignId": "camp_1",
            "performance": {"impressions": impressions, "clicks": clicks, "spent": spent},
            "timestamp": "<now>",
        }

    def sent(records):
        return box.send("campaign_metrics", records)

    day1 = so.campaign_day(1, "2024-09-14", impressions=100000, clicks=1800, spend="3000.00")
    [event] = await sent([day1])
    assert event[:2] == ("campaign_update", "camp_1")
    assert _stamped(event[2]) == update(100000, 1800, 3000)

    # 3000 + 1000.50 crosses 80 % of 5000: the running totals, then the alert (once)
    day2 = so.campaign_day(1, "2024-09-15", impressions=26000, clicks=550, spend="1000.50")
    [campaign, alert] = await sent([day2])
    assert _stamped(campaign[2]) == update(126000, 2350, 4000.5)
    assert alert[:2] == ("notification", "camp_1:budget_80")
    notification = _stamped(alert[2])
    assert re.match(r"^notif_[0-9a-f]{16}$", notification.pop("id"))
    assert notification == {
        "title": "Campaign Budget Alert",
        "message": "Your Harvest push 1 campaign has spent 80% of its budget",
        "type": "warning",
        "actionUrl": "/campaigns/camp_1",
        "timestamp": "<now>",
    }

    # a correction down and back up moves the totals but alerts no more
    [low] = await sent([{**day2, "spend": "100.00"}])
    [high] = await sent([{**day2, "spend": "1500.00"}])
    assert _stamped(low[2])["performance"]["spent"] == 3100
    assert _stamped(high[2])["performance"]["spent"] == 4500


# --- end to end: the legacy WebSocket and GraphQL subscribers --------------------------------


async def test_agent_and_post_updates_reach_legacy_ws_and_graphql(live_server, upload, workspace):
    before = hub(live_server).subscriber_count
    url = live_server.ws(f"/graphql?as={workspace}")
    agents = await transport_ws_subscribe(
        url,
        "subscription { agentUpdates { agentId efficiency status currentTask progress "
        "estimatedCompletion } }",
    )
    posts = await transport_ws_subscribe(
        url, "subscription { postStatus { postId status publishedAt platform } }"
    )
    watcher = await accounts.member(live_server.app, workspace, "owner")
    token = await accounts.token_for(live_server.app, watcher, workspace, "owner")
    async with connect(live_server.ws(f"/v1/ws?token={token}")) as legacy:
        await until(lambda: hub(live_server).subscriber_count == before + 3)
        await upload("agent_status", [FULL_REPORT])
        live = so.post(7, platform="instagram", status="published")
        await upload("posts", [{**live, "published_at": "2024-09-15T10:30:00Z"}])

        post = {
            "postId": "post_7",
            "status": "published",
            "publishedAt": "2024-09-15T10:30:00Z",
            "platform": "instagram",
        }
        received = []
        async with asyncio.timeout(5):
            while len(received) < 2:
                raw = await legacy.recv()
                if json.loads(raw)["type"] != "metrics_update":
                    received.append(raw)
        assert received == [
            json.dumps({"type": "agent_update", "data": AGENT}, separators=(",", ":")),
            json.dumps({"type": "post_status", "data": post}, separators=(",", ":")),
        ]

    agent_message = await next_message(agents)
    assert agent_message["payload"]["data"]["agentUpdates"] == {
        **AGENT,
        "efficiency": 95.0,
        "progress": 75.0,
    }
    post_message = await next_message(posts)
    assert post_message["payload"]["data"]["postStatus"] == post
    await agents.close()
    await posts.close()
