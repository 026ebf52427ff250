"""REST tests in the test's own workspace: the app is built once, and a test-only ASGI
wrapper sets the principal (what the authentication middleware does in production)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.principal import Principal
from gateway.settings import Settings
from tests.rest import dataset

NOW = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


class _Caller:
    def __init__(self) -> None:
        self.principal: Principal | None = None

    def wrap(self, app: Any) -> Callable[..., Any]:
        async def with_principal(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and self.principal is not None:
                scope["principal"] = self.principal
            await app(scope, receive, send)

        return with_principal


@pytest.fixture(scope="session")
async def _marketing_app(settings: Settings) -> AsyncIterator[tuple[Any, _Caller]]:
    # No relay or webhook worker: this app lives for the whole run, and its worker (which
    # refuses loopback webhooks) would take the subscription tests' delivery jobs.
    app = create_app(settings.model_copy(update={"relay_in_app": False, "worker_in_app": False}))
    caller = _Caller()
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60) as manager:
        del manager
        yield app, caller


@pytest.fixture
async def api(_marketing_app: tuple[Any, _Caller], workspace: str) -> AsyncIterator[Any]:
    """An HTTP client acting in the test's workspace, with every scope, at a pinned now."""
    app, caller = _marketing_app
    caller.principal = Principal(workspace_id=workspace, subject="test")
    app.state.clock = lambda: NOW
    transport = httpx.ASGITransport(app=caller.wrap(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        client.caller = caller  # type: ignore[attr-defined]
        yield client
    caller.principal = None


@pytest.fixture
async def api_data(api: Any, upload: Any, sessions: Any, workspace: str) -> Any:
    """`api` over the fixed dataset (tests/rest/dataset.py)."""
    await dataset.load(upload, sessions, workspace)
    return api
