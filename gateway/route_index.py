"""Starlette's router with the routes that can match a path looked up instead of scanned.

Starlette tries every route in turn (about 150 here, one regular expression each) until one
matches. For each path a route declares literally, this router keeps, in their order, the
routes whose pattern matches that path (the literal route itself, and any parameterised
route or mount that would also take it), so a request to such a path tries only those, with
Starlette's own matching: the same route wins, a method mismatch is the same 405, and
anything else (parameterised paths, a trailing-slash redirect, a 404) goes to Starlette's
scan as before.
"""

from __future__ import annotations

from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send


class IndexedRouter(Router):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built on first use and again whenever routes were added since (app.add_route).
        self._index: dict[str, tuple[BaseRoute, ...]] = {}
        self._indexed_count = -1

    def _candidates(self) -> dict[str, tuple[BaseRoute, ...]]:
        if self._indexed_count != len(self.routes):
            literal = {route.path for route in self.routes if _literal(route)}
            self._index = {
                path: tuple(route for route in self.routes if _may_take(route, path))
                for path in literal
            }
            self._indexed_count = len(self.routes)
        return self._index

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await super().app(scope, receive, send)
            return
        candidates = self._candidates().get(get_route_path(scope))
        if candidates is not None:
            if "router" not in scope:
                scope["router"] = self
            partial = partial_scope = None
            for route in candidates:
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
                if match is Match.PARTIAL and partial is None:
                    partial, partial_scope = route, child_scope
            if partial is not None:
                scope["route"] = partial
                scope.update(partial_scope or {})
                await partial.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)


def _literal(route: BaseRoute) -> bool:
    """A route declaring one exact path (no parameters; a mount always has its `path`)."""
    return (
        getattr(route, "path_regex", None) is not None
        and bool(getattr(route, "path", None))
        and not getattr(route, "param_convertors", None)
    )


def _may_take(route: BaseRoute, path: str) -> bool:
    pattern = getattr(route, "path_regex", None)
    return pattern is None or pattern.match(path) is not None
