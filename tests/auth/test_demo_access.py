"""The demo's printed credentials work: the password signs in, the key reads the graph."""

from __future__ import annotations

import httpx
import pytest

from gateway.auth.demo_access import ensure_demo_access


async def test_demo_credentials_sign_in_and_query(app, settings):
    access = await ensure_demo_access(settings, app.state.sessions)
    again = await ensure_demo_access(settings, app.state.sessions)  # a re-run rotates both
    assert again.password != access.password and again.api_key != access.api_key
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        stale = await http.post(
            "/v1/auth/login", json={"email": access.email, "password": access.password}
        )
        login = await http.post(
            "/v1/auth/login", json={"email": again.email, "password": again.password}
        )
        query = await http.post(
            "/graphql",
            json={"query": "{ characters { totalCount } }"},
            headers={"Authorization": f"Bearer {again.api_key}"},
        )
    assert stale.status_code == 401 and login.status_code == 200
    assert "errors" not in query.json()


async def test_no_demo_credentials_outside_development(app, settings):
    production = settings.model_copy(update={"environment": "production"})
    with pytest.raises(RuntimeError):
        await ensure_demo_access(production, app.state.sessions)
