"""Connecting a Facebook account live (gateway/adapters/social_accounts.py) against a local
server on 127.0.0.1: the code is exchanged, then the page the person manages is what gets
connected, with its own token, since Facebook posts go to a page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.adapters.social_accounts import ConnectError, Endpoints, LiveSocialAuth
from tests.utils.platform_server import PlatformServer, platform_server


@pytest.fixture
async def server() -> AsyncIterator[PlatformServer]:
    async with platform_server() as running:
        yield running


def _auth(server: PlatformServer) -> LiveSocialAuth:
    endpoints = {"facebook": Endpoints(f"{server.url}/oauth/token", f"{server.url}/graph/me")}
    return LiveSocialAuth(
        {"facebook": {"id": "app-1", "secret": "app-secret"}},
        timeout=5,
        endpoints=endpoints,
        graph_base_url=f"{server.url}/graph",
    )


async def test_the_managed_page_is_connected_with_its_own_token(server):
    grant = await _auth(server).connect("facebook", code="c-1", redirect_uri="https://a.test/cb")
    (exchange,) = server.requests("/oauth/token")
    assert exchange.form["code"] == "c-1" and exchange.form["client_id"] == "app-1"
    (pages,) = server.requests("/graph/me/accounts")
    assert pages.headers["authorization"] == "Bearer user-at"
    assert grant.access_token == "page-at"  # the page's token, not the person's
    assert (grant.profile.external_id, grant.profile.display_name) == ("1020", "Orchard Co-op")
    assert grant.profile.followers == 845


async def test_a_person_without_a_page_cannot_connect(server):
    server.fail("GET", "/graph/me/accounts", 200, {"data": []})
    with pytest.raises(ConnectError, match="manages no page"):
        await _auth(server).connect("facebook", code="c-1", redirect_uri="https://a.test/cb")
