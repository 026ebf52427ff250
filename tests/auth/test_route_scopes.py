"""Walk the whole route table: every REST write declares its scopes, and refuses a principal
that lacks any one of them (403 in the family's envelope) while letting through one that has
them all. The walk reads the app's routes at test time, so routes added later are covered."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
from starlette.routing import Route

from gateway.auth.paths import PUBLIC_PREFIXES, PUBLIC_ROUTES
from gateway.principal import ALL_SCOPES, Principal
from gateway.rest.families import family_for
from gateway.rest.routing import ScopedRoute
from tests.utils import accounts

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def write_routes(app: Any) -> Iterator[tuple[str, Route]]:
    for route in app.routes:
        # /graphql, and routes that decide access themselves (channel webhooks check the
        # provider's signature, not a principal's scopes).
        if not isinstance(route, Route) or route.path == "/graphql":
            continue
        if route.path.startswith(PUBLIC_PREFIXES):
            continue
        for method in sorted((route.methods or set()) & WRITES):
            if (method, route.path) not in PUBLIC_ROUTES:
                yield method, route


def as_principal(app: Any, principal: Principal) -> httpx.AsyncClient:
    """A client whose requests arrive already authenticated as `principal` (an in-process
    layer sets it, as a trusted front would; nothing on the network can)."""

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, "principal": principal}, receive, send)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://t")


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "some_id", path)


async def test_every_write_route_declares_its_scopes(app):
    routes = list(write_routes(app))
    assert len(routes) >= 10
    undeclared = [(m, r.path) for m, r in routes if not isinstance(r, ScopedRoute)]
    assert undeclared == [], "declare scopes with RestRoute or ScopedRoute"


async def test_each_write_refuses_a_principal_without_one_of_its_scopes(app, workspace):
    account = await accounts.member(app, workspace, "owner")

    def principal(scopes: frozenset[str]) -> Principal:
        return Principal(
            workspace_id=workspace,
            subject=account.id,
            kind="account",
            role="owner",
            scopes=scopes,
            email=account.email,
        )

    checked = 0
    for method, route in write_routes(app):
        path, family = concrete(route.path), family_for(route.path)
        assert family is not None, route.path
        for scope in route.scopes:
            async with as_principal(app, principal(ALL_SCOPES - {scope})) as client:
                response = await client.request(method, path, json={})
            assert response.status_code == 403, (method, path, scope, response.text)
            assert scope in response.text, (method, path, response.text)
            body = response.json()
            code = body.get("error_code") or body["error"]["code"]
            assert code == family.code(403), (method, path, body)
            checked += 1
        async with as_principal(app, principal(ALL_SCOPES)) as client:
            response = await client.request(method, path, json={})
        assert not (response.status_code == 403 and "scope" in response.text), (method, path)
    assert checked >= 6  # upload, both webhook registrations, keys, workspace settings, ...
