"""The dashboard page in headless Chromium: sign in, see the numbers, watch an upload
through the REST API change them without a reload, and resume the events feed after a
dropped connection."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import expect

from gateway.auth.keys import create_key
from gateway.database import transaction
from tests.utils import accounts
from tests.utils.builders import user


def _recent(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def _upload(base: str, token: str, data_type: str, data: list[dict[str, Any]]) -> None:
    body = {"data_type": data_type, "batch_id": f"batch_{uuid.uuid4().hex[:10]}", "data": data}
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/v1/data/upload", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text


def _watch_errors(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    return problems


async def test_signed_in_page_shows_numbers_that_follow_an_upload(
    browser_server, browser, workspace, artifacts
):
    account = await accounts.member(browser_server.app, workspace, "owner")
    token = await accounts.token_for(browser_server.app, account, workspace, "owner")
    base = browser_server.http("")
    await _upload(base, token, "users", [user(1, created_at=_recent(3)), user(2)])
    report = {"agent_id": "intelligence", "name": "Intelligence Agent", "status": "active",
              "current_task": "Analyzing competitor strategies", "progress": 40}  # fmt: skip
    await _upload(base, token, "agent_status", [{**report, "reported_at": _recent(1)}])

    page = await browser.new_page()
    problems = _watch_errors(page)
    await page.goto(browser_server.http("/dashboard?refresh=1"))
    await page.fill("#email", account.email)
    await page.fill("#password", accounts.PASSWORD)
    await page.click("#password-form button")

    users = page.locator("#value-totalUsers")
    await expect(page.locator("#sign-in")).to_be_hidden()
    await expect(page.locator("#connection")).to_have_text("live", timeout=10_000)
    await expect(users).to_have_text("2", timeout=10_000)
    await expect(page.locator("#value-adSpend")).to_have_text("0.00")
    await expect(page.locator("#events li")).to_have_count(3)  # two users, one agent_update
    await expect(page.locator(".card .chart canvas")).to_have_count(6)
    agent = page.locator("#agent-intelligence")
    await expect(agent).to_contain_text("Intelligence Agent")
    await expect(agent.locator(".status")).to_have_text("active")

    await _upload(base, token, "users", [user(3, created_at=_recent(1))])
    ads = [{"campaign_name": "Spring Sale", "impressions": 1500, "clicks": 45, "spend": 299.99,
            "conversions": 3, "date": _recent(2)}]  # fmt: skip
    await _upload(base, token, "meta_ads", ads)
    newer = {**report, "status": "paused", "current_task": "Waiting for fresh data"}
    await _upload(base, token, "agent_status", [{**newer, "reported_at": _recent(0)}])
    await expect(users).to_have_text("3", timeout=10_000)
    await expect(agent.locator(".status")).to_have_text("paused", timeout=10_000)
    await expect(agent.locator(".task")).to_have_text("Waiting for fresh data")
    await expect(page.locator("#value-adSpend")).to_have_text("299.99", timeout=10_000)
    await expect(page.locator("#events li")).to_have_count(5, timeout=10_000)
    await expect(page.locator("#events li", has_text="user_3")).to_have_count(1)
    await page.screenshot(path=artifacts / "dashboard.png", full_page=True)

    await page.click("#sign-out")  # nothing of the session stays, and it stops listening
    await expect(page.locator("#password-form")).to_be_visible()
    await expect(page.locator("#events li")).to_have_count(0)
    await expect(page.locator("#connection")).to_have_text("offline")
    assert await page.evaluate("sessionStorage.length") == 0
    assert problems == []


async def test_api_key_page_resumes_events_after_a_dropped_connection(
    browser_server, browser, workspace, artifacts
):
    app = browser_server.app
    async with transaction(app.state.sessions) as session:
        key = await create_key(
            session, workspace_id=workspace, name="wall screen", ip_allowlist=[],
            scopes=["read:analytics", "read:users", "read:content", "write:data"],
            created_by=None,
        )  # fmt: skip
    base = browser_server.http("")
    page = await browser.new_page()
    problems = _watch_errors(page)
    subscribes: list[dict[str, Any]] = []

    def on_socket(socket: Any) -> None:
        def sent(frame: Any) -> None:
            message = json.loads(frame)
            if message.get("type") == "subscribe":
                subscribes.append(message["payload"])

        socket.on("framesent", sent)

    page.on("websocket", on_socket)
    await page.goto(browser_server.http("/dashboard?refresh=1&retry=2500"))
    await page.fill("#api-key", key.secret)
    await page.click("#key-form button")
    await expect(page.locator("#connection")).to_have_text("live", timeout=10_000)
    await expect(page.locator("#value-totalUsers")).to_have_text("0", timeout=10_000)
    revenue = page.locator('[data-metric="revenue"]')  # the key lacks read:revenue
    await expect(revenue.locator(".note")).to_contain_text("read:revenue")
    await expect(revenue.locator(".value")).to_have_text("\u2013")  # the dash of "no value"

    await _upload(base, key.secret, "users", [user(10)])
    await expect(page.locator("#events li")).to_have_count(1, timeout=10_000)
    seen = await page.locator("#events li").first.get_attribute("id")

    for subscriber in list(app.state.live.hub._by_workspace.get(workspace, ())):
        subscriber.drop(4008, "dropped by the test")
    await expect(page.locator("#connection")).to_have_text("reconnecting", timeout=5_000)
    await _upload(base, key.secret, "users", [user(11)])  # while the page is away

    await expect(page.locator("#connection")).to_have_text("live", timeout=10_000)
    await expect(page.locator("#events li")).to_have_count(2, timeout=10_000)
    await expect(page.locator("#events li").first).to_contain_text("user_11")
    await expect(page.locator("#value-totalUsers")).to_have_text("2", timeout=10_000)
    resumed = [p for p in subscribes if "events" in p["query"]][-1]
    assert resumed["variables"]["after"] == seen.removeprefix("event-")
    await page.screenshot(path=artifacts / "dashboard-api-key.png", full_page=True)
    assert problems == []
