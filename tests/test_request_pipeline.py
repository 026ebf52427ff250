"""The one-layer request pipeline (gateway/pipeline.py) and the indexed router
(gateway/route_index.py): the same answers, headers and routes as the layers they replace."""

from __future__ import annotations

from typing import Any

from starlette.routing import Match, Route, WebSocketRoute

from gateway.route_index import IndexedRouter


def _scan(routes: list[Any], scope: dict[str, Any]) -> Any:
    """The route Starlette's own scan would take for this scope (a full match, else the
    first partial one: a method mismatch)."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


def _indexed(router: IndexedRouter, scope: dict[str, Any]) -> Any:
    candidates = router._candidates().get(scope["path"])
    assert candidates is not None, scope["path"]
    return _scan(list(candidates), scope)


def _scopes(route: Any) -> list[dict[str, Any]]:
    base = {"path": route.path, "root_path": "", "query_string": b"", "headers": []}
    if isinstance(route, WebSocketRoute):
        return [{**base, "type": "websocket"}]
    methods = [*sorted(getattr(route, "methods", None) or {"GET"}), "PATCH", "DELETE"]
    return [{**base, "type": "http", "method": m} for m in methods]


def test_every_literal_path_takes_the_route_the_scan_would(app):
    router = app.router
    assert isinstance(router, IndexedRouter)
    checked = 0
    for route in router.routes:
        if route.path not in router._candidates():
            continue
        for scope in _scopes(route):
            assert _indexed(router, scope) is _scan(router.routes, scope), (
                scope["type"],
                scope.get("method"),
                scope["path"],
            )
            checked += 1
    assert checked > 100  # the REST families' literal paths are all in the index


def test_a_later_parameterised_route_that_also_matches_stays_a_candidate():
    async def endpoint(request: Any) -> None:  # never called
        raise AssertionError

    literal = Route("/items/export", endpoint, methods=["GET"])
    param = Route("/items/{item_id}", endpoint, methods=["DELETE"])
    router = IndexedRouter([literal, param])
    scope = {"type": "http", "path": "/items/export", "root_path": "", "method": "DELETE"}
    # DELETE /items/export is the parameterised route's, as in Starlette's scan.
    assert _indexed(router, scope) is param is _scan(router.routes, scope)
    scope["method"] = "POST"  # neither takes it: the literal route's 405
    assert _indexed(router, scope) is literal


def test_a_route_added_after_the_first_request_is_indexed():
    async def endpoint(request: Any) -> None:
        raise AssertionError

    router = IndexedRouter([Route("/a", endpoint)])
    assert set(router._candidates()) == {"/a"}
    router.routes.append(Route("/b", endpoint))
    assert set(router._candidates()) == {"/a", "/b"}


async def test_405_404_and_the_slash_redirect_are_starlettes(app_client):
    wrong_method = await app_client.delete("/api/marketing/characters/categories")
    assert wrong_method.status_code == 405
    missing = await app_client.get("/api/marketing/no-such-route")
    assert missing.status_code == 404
    slash = await app_client.get("/api/marketing/characters/categories/", follow_redirects=False)
    assert slash.status_code in (307, 404)
    if slash.status_code == 307:
        assert slash.headers["location"].endswith("/api/marketing/characters/categories")


async def test_a_route_answer_carries_rate_version_and_request_id_headers(app_client):
    response = await app_client.get("/api/marketing/characters/categories")
    assert response.status_code == 200
    names = [name.decode().lower() for name, _ in response.headers.raw]
    for header in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"):
        assert header in names
    assert "x-request-id" in names
    # The rate headers come first and the request id last, as with the stacked layers.
    assert names.index("x-ratelimit-limit") < names.index("x-request-id")
    assert names[-1] == "x-request-id"


async def test_a_body_refused_for_its_size_has_an_id_and_no_rate_headers(app_client):
    huge = "x" * (2 * 1024 * 1024)  # over the 1 MiB GraphQL body limit
    response = await app_client.post("/graphql", json={"query": "{ __typename }", "pad": huge})
    assert response.status_code == 413
    assert response.headers["x-request-id"].startswith("req_")
    assert "x-ratelimit-limit" not in response.headers
