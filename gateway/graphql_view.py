"""Strawberry's ASGI view, wired to the gateway's per-request Context."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from gateway.principal import principal_for
from resolvers.context import Context, build_context


class GraphQLView(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        request.state.sub_response = response
        return build_context(
            settings=state.settings,
            sessions=state.sessions,
            principal=principal_for(request),
            request=request,
            response=response,
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A request that never executed (syntax or validation error) answers 400, as the
        GraphQL-over-HTTP spec asks, and every error carries `extensions.code`."""
        if result.errors:
            executed = result.data is not None
            for error in result.errors:
                _ensure_code(error, executed)
            if not executed:
                request.state.sub_response.status_code = 400
        return await super().process_result(request, result)


def _ensure_code(error: GraphQLError, executed: bool) -> None:
    extensions = error.extensions if error.extensions is not None else {}
    if "code" not in extensions:
        if not executed:
            parse = error.message.startswith("Syntax Error")
            extensions["code"] = "GRAPHQL_PARSE_FAILED" if parse else "GRAPHQL_VALIDATION_FAILED"
        else:
            extensions["code"] = "INTERNAL_SERVER_ERROR"
        error.extensions = extensions
