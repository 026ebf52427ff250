"""X-API-Version on every response of a family that documents one (spec 003: `1.0.0`),
errors from the authentication and rate-limit layers included."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.rest.families import family_for


class ApiVersionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        family = family_for(scope["path"]) if scope["type"] == "http" else None
        if family is None or family.version is None:
            await self.app(scope, receive, send)
            return
        version = family.version

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-API-Version"] = version
            await send(message)

        await self.app(scope, receive, send_with_version)
