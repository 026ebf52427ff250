"""Walk the whole route table: nothing but the public routes answers without a principal,
and each family answers 401 in its own envelope."""

from __future__ import annotations

import re

from starlette.routing import Route

from gateway.auth.paths import PUBLIC_PREFIXES, PUBLIC_ROUTES
from gateway.rest.families import family_for

ENVELOPE_KEYS = {
    "marketing": {"success", "error"},
    "pipeline": {"success", "data", "metadata", "message", "timestamp", "error_code", "details"},
    "coaching": {"error"},
    "dashboard": {"success", "error", "meta"},
    "social": {"success", "error"},
}
UNAUTHORIZED_CODE = {
    "marketing": "UNAUTHORIZED",
    "pipeline": "AUTHENTICATION_FAILED",
    "coaching": "AUTHENTICATION_REQUIRED",
    "dashboard": "UNAUTHORIZED",
    "social": "AUTHENTICATION_REQUIRED",
}


def protected_routes(app):  # type: ignore[no-untyped-def]
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD" or (method, route.path) in PUBLIC_ROUTES:
                continue
            if route.path.startswith(PUBLIC_PREFIXES):  # they check links themselves
                continue
            yield method, re.sub(r"\{[^}]+\}", "some_id", route.path)


async def test_every_protected_route_answers_401_in_its_envelope(app, anonymous_client):
    routes = list(protected_routes(app))
    assert len(routes) >= 10
    for method, path in routes:
        if path == "/graphql":  # an operation, asked for as JSON (not the GraphiQL page)
            response = await anonymous_client.request(
                method,
                path,
                params={"query": "{ __typename }"} if method == "GET" else None,
                json={"query": "{ __typename }"} if method == "POST" else None,
                headers={"accept": "application/json"},
            )
        else:
            response = await anonymous_client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.headers["x-request-id"].startswith("req_")
        family = family_for(path)
        body = response.json()
        if family is None:  # /graphql
            assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", path
            continue
        assert set(body) == ENVELOPE_KEYS[family.name], (path, body)
        code = body.get("error_code") or body["error"]["code"]
        assert code == UNAUTHORIZED_CODE[family.name], (path, body)


async def test_a_garbage_token_is_401_not_500(anonymous_client):
    response = await anonymous_client.get(
        "/api/auth/me", headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert response.status_code == 401


async def test_unknown_paths_are_404_in_the_family_envelope(app_client):
    marketing = await app_client.get("/api/marketing/nothing-here")
    assert marketing.status_code == 404
    assert marketing.json()["error"]["code"] == "NOT_FOUND"
    coaching = await app_client.get("/api/v1/nothing-here")
    assert coaching.json()["error"]["code"] == "RESOURCE_NOT_FOUND"
