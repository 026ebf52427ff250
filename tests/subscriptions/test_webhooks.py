"""Webhook registration (spec 003) and signed, retried delivery through the job engine."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson

from gateway.database import transaction
from subscriptions.events import record_event
from subscriptions.webhooks import signing
from tests.subscriptions.conftest import WEBHOOK_DISABLE_AFTER
from tests.subscriptions.test_live import until


async def test_register_list_deliver_retry_and_delete(
    live_server, receiver, workspace, sessions, graphql
):
    async with httpx.AsyncClient(base_url=live_server.http("")) as client:
        registered = await client.post(
            f"/api/webhooks?as={workspace}",
            json={
                "workspaceId": workspace,
                "url": receiver.url(),
                "events": ["lead.created", "notification"],
                "secret": "webhook_secret_key",
            },
        )
        assert registered.status_code == 200
        body = registered.json()
        webhook = body["data"]["webhook"]
        assert body["success"] is True and set(body["meta"]) == {
            "timestamp",
            "version",
            "requestId",
        }
        assert list(webhook) == ["id", "url", "events", "status", "createdAt"]
        assert webhook["id"].startswith("wh_") and webhook["status"] == "active"
        assert webhook["events"] == ["lead.created", "notification"]

        receiver.responses = [(503, {"retry-after": "0"})]
        async with transaction(sessions) as session:
            event_id = await record_event(
                session, workspace_id=workspace, type="notification", payload={"id": "n1"}
            )
        await until(lambda: len(receiver.requests) >= 2, timeout=10)
        first, second = receiver.requests[:2]
        assert first.headers["webhook-id"] == second.headers["webhook-id"] == event_id
        now = int(time.time())
        assert signing.verify("webhook_secret_key", second.headers, second.body, now=now)
        envelope = orjson.loads(second.body)
        assert list(envelope) == ["id", "type", "workspaceId", "data", "timestamp"]
        assert envelope["id"] == event_id and envelope["data"] == {"id": "n1"}
        assert envelope["workspaceId"] == workspace

        async def listed():
            answer = await client.get(f"/api/webhooks?as={workspace}&workspaceId={workspace}")
            return answer.json()["data"]["webhooks"][0]

        await asyncio.sleep(0.2)
        shown = await listed()
        assert shown["failureCount"] == 0 and shown["lastTriggered"].endswith("Z")
        assert list(shown) == ["id", "url", "events", "status", "lastTriggered", "failureCount"]
        log = await graphql(
            "{ webhookDeliveries { nodes { eventId status attempts lastStatusCode } } }"
        )
        assert log.data == {
            "webhookDeliveries": {
                "nodes": [
                    {
                        "eventId": event_id,
                        "status": "delivered",
                        "attempts": 2,
                        "lastStatusCode": 200,
                    }
                ]
            }
        }

        deleted = await client.delete(f"/api/webhooks/{webhook['id']}?as={workspace}")
        assert deleted.json()["data"] == {"message": "Webhook deleted successfully"}
        again = await client.delete(f"/api/webhooks/{webhook['id']}?as={workspace}")
        assert again.status_code == 404 and again.json()["error"]["code"] == "NOT_FOUND"


async def test_registration_refuses_inward_urls_and_other_workspaces(live_server, workspace):
    async with httpx.AsyncClient(base_url=live_server.http("")) as client:
        for url in (
            "http://169.254.169.254/latest",
            "http://0xa000001/x",
            "http://[::ffff:10.0.0.1]/",
        ):
            answer = await client.post(
                f"/api/webhooks?as={workspace}",
                json={"workspaceId": workspace, "url": url, "events": ["lead.created"]},
            )
            assert answer.status_code == 400, url
            assert answer.json()["error"]["code"] == "VALIDATION_ERROR"
        foreign = await client.post(
            f"/api/webhooks?as={workspace}",
            json={
                "workspaceId": "ws_other",
                "url": "https://example.com/h",
                "events": ["lead.created"],
            },
        )
        assert foreign.status_code == 403
        unknown = await client.post(
            f"/api/webhooks?as={workspace}",
            json={"workspaceId": workspace, "url": "https://example.com/h", "events": ["nope"]},
        )
        assert unknown.json()["error"]["details"][0]["field"] == "events"


async def test_an_endpoint_that_keeps_failing_is_disabled(
    live_server, receiver, workspace, sessions, graphql
):
    limit = live_server.app.state.settings.webhook_disable_after
    assert limit == WEBHOOK_DISABLE_AFTER == 3
    receiver.responses = [(500, {})] * 20  # every answer a 500
    async with httpx.AsyncClient(base_url=live_server.http("")) as client:
        registered = await client.post(
            f"/api/webhooks?as={workspace}",
            json={"workspaceId": workspace, "url": receiver.url(), "events": ["notification"]},
        )
        assert registered.status_code == 200

        async def shown():
            answer = await client.get(f"/api/webhooks?as={workspace}&workspaceId={workspace}")
            return answer.json()["data"]["webhooks"][0]

        async with transaction(sessions) as session:
            first = await record_event(
                session, workspace_id=workspace, type="notification", payload={"id": "n1"}
            )
        await until(lambda: len(receiver.requests) >= limit, timeout=10)
        async with asyncio.timeout(5):
            while (webhook := await shown())["status"] != "disabled":
                await asyncio.sleep(0.05)
        assert webhook["failureCount"] == limit

        # disabled: the failing delivery is not retried and new events are not delivered
        async with transaction(sessions) as session:
            await record_event(
                session, workspace_id=workspace, type="notification", payload={"id": "n2"}
            )
        await asyncio.sleep(1.5)  # several relay polls and retry periods
        assert len(receiver.requests) == limit
        assert {r.headers["webhook-id"] for r in receiver.requests} == {first}
        assert (await shown())["failureCount"] == limit
        log = await graphql(
            "{ webhookDeliveries { nodes { eventId status attempts lastStatusCode } } }"
        )
        assert log.data == {
            "webhookDeliveries": {
                "nodes": [
                    {"eventId": first, "status": "failed", "attempts": limit, "lastStatusCode": 500}
                ]
            }
        }
