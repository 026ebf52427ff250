"""One SSRF guard at every webhook registration (spec 000's REST route, the graph's
registerWebhook, spec 003's route) and every send: each inward form is refused everywhere,
and nothing is stored."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from models.system import Webhook
from subscriptions.webhooks import ssrf
from tests.subscriptions.test_webhook_guards import REFUSED as REFUSED_BEFORE

EMBEDDED = [
    "http://[::ffff:7f00:1]/hook",  # IPv4-mapped, hex
    "http://[0:0:0:0:0:ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/latest/meta-data",  # mapped metadata
    "http://[::127.0.0.1]/hook",  # IPv4-compatible
    "http://[::ffff:0:127.0.0.1]/hook",  # IPv4-translated
    "http://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
    "http://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
    "http://[2002:a9fe:a9fe::1]/hook",  # 6to4 of the metadata address
    "http://[2002:c0a8:101::1]/hook",  # 6to4 of 192.168.1.1
    "http://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::10.0.0.1]/hook",  # NAT64 of 10.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of the metadata address
    "http://[64:ff9b:1::5db8:d70e]/hook",  # local-use NAT64
    "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",  # Teredo, client 10.0.0.1
    "http://[2001:0:a00:1:8000:63bf:a247:28f1]/hook",  # Teredo, server 10.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
    "http://0/hook",
    "http://017700000001/hook",  # octal, whole
    "http://127.000.000.001/hook",
    "http://0x7f.1/hook",
    "http://100.64.0.1/hook",  # shared address space
    "http://198.18.0.1/hook",  # benchmarking
    "http://[fc00::1]/hook",  # unique local
    "http://[::]/hook",
    "http://224.0.0.1/hook",
    "http://255.255.255.255/hook",
    "http://user@example.com/hook",
    "http://example.com:pw@93.184.215.14/hook",
    "http://127.0.0.1:99999/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1/",
]
EVERY_FORM = sorted(set(REFUSED_BEFORE) | set(EMBEDDED))
ALLOWED = [
    "https://93.184.215.14/hook",
    "http://[2002:5db8:d70e::1]/hook",  # 6to4 of a public address
    "http://[64:ff9b::5db8:d70e]/hook",  # NAT64 of a public address
    "http://[2606:4700::1111]/hook",
]


@pytest.mark.parametrize("url", EMBEDDED)
async def test_the_guard_refuses_embedded_and_odd_forms(url):
    with pytest.raises(ssrf.UnsafeUrl):
        await ssrf.resolve_safe(url, allow_loopback=False)


@pytest.mark.parametrize("url", ALLOWED)
async def test_the_guard_lets_public_addresses_through(url):
    assert await ssrf.resolve_safe(url, allow_loopback=False)


async def _stored(sessions, workspace: str) -> int:
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(Webhook).where(Webhook.workspace_id == workspace)
        )


async def test_every_registration_refuses_every_inward_form(app, sessions, workspace):
    from tests.auth.test_route_scopes import as_principal
    from tests.utils import accounts

    account = await accounts.member(app, workspace, "owner")
    from gateway.principal import ALL_SCOPES, Principal

    owner = Principal(workspace_id=workspace, subject=account.id, kind="account", scopes=ALL_SCOPES)
    mutation = (
        'mutation($url: String!) { registerWebhook(url: $url, events: ["user.registered"]) { id } }'
    )
    async with as_principal(app, owner) as client:
        for url in EVERY_FORM:
            marketing = await client.post(
                "/api/marketing/webhooks/register",
                json={"url": url, "events": ["user.registered"]},
            )
            assert marketing.status_code == 400, (url, marketing.text)
            assert marketing.json()["error"]["code"] == "BAD_REQUEST", url
            graph = await client.post(
                "/graphql", json={"query": mutation, "variables": {"url": url}}
            )
            error = graph.json()["errors"][0]
            assert error["extensions"]["code"] == "BAD_USER_INPUT", (url, error)
            organic = await client.post(
                "/api/webhooks",
                json={"workspaceId": workspace, "url": url, "events": ["lead.created"]},
            )
            assert organic.status_code == 400, (url, organic.text)
            assert organic.json()["error"]["code"] == "VALIDATION_ERROR", url
        assert await _stored(sessions, workspace) == 0
        # A public address registers on every surface.
        public = ALLOWED[0]
        ok = await client.post(
            "/api/marketing/webhooks/register", json={"url": public, "events": ["user.registered"]}
        )
        assert ok.status_code == 201, ok.text
    assert await _stored(sessions, workspace) == 1
    # Gone again: a relay running later in this process must never deliver to it.
    from gateway.database import transaction

    async with transaction(sessions) as session:
        await session.execute(delete(Webhook).where(Webhook.workspace_id == workspace))


# Only forms a failing guard would send to this machine itself (the kernel delivers
# ::ffff:127.0.0.1 to 127.0.0.1): a test must never send packets anywhere else.
@pytest.mark.parametrize("url", ["http://[::ffff:127.0.0.1]:9/hook", "http://0x7f.1:9/hook"])
async def test_a_send_to_an_embedded_inward_address_fails_without_retry(
    engine, sessions, workspace, url
):
    """A URL stored around the registration guard is refused at send, by the same guard
    (whose every form the tests above cover)."""
    from gateway.database import transaction
    from models.base import new_id
    from models.events import WebhookDelivery
    from subscriptions.events import record_event
    from subscriptions.webhooks import delivery

    async with transaction(sessions) as session:
        webhook = Webhook(workspace_id=workspace, url=url, events=["notification"], secret="s" * 12)
        session.add(webhook)
        event_id = await record_event(
            session, workspace_id=workspace, type="notification", payload={"id": "n1"}
        )
        await session.flush()
        row = WebhookDelivery(
            workspace_id=workspace,
            id=new_id("dlv"),
            webhook_id=webhook.id,
            event_id=event_id,
            event_type="notification",
        )
        session.add(row)
    with pytest.raises(delivery.DeliveryFailed) as failed:
        await delivery.attempt(engine, delivery.Policy(), workspace, row.id)
    assert failed.value.retry_in is None and "loopback" in str(failed.value)
    async with sessions() as session:
        stored = await session.get(WebhookDelivery, (workspace, row.id))
    assert stored is not None and stored.status == "failed"
