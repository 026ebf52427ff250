"""A real browser: Debian's headless Chromium, driven by Playwright (never a downloaded
browser). Without /usr/bin/chromium the browser tests skip locally and fail under CI."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from gateway.app import create_app
from gateway.settings import Settings
from gateway.websocket_protocol import PROTOCOL as WEBSOCKET_PROTOCOL
from tests.subscriptions.conftest import LiveServer, fast_settings

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# This machine's network is closed: nothing that phones home, no QUIC, a fresh profile.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_or_skip() -> str:
    if shutil.which(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
async def browser_server(settings: Settings, engine: Any) -> AsyncIterator[LiveServer]:
    """The app on a real port (the browser needs one), with the outbox relay running."""
    app = create_app(fast_settings(settings, worker_in_app=False))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on", ws=WEBSOCKET_PROTOCOL
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield LiveServer(port, app)
    server.should_exit = True
    await task


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    executable = _chromium_or_skip()
    from playwright.async_api import async_playwright

    profile = tmp_path / "chromium-profile"
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 1000},
        )
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
