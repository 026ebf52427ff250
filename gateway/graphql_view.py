"""Strawberry's ASGI view, wired to the gateway's per-request Context."""

from __future__ import annotations

import re
from typing import Any

from cross_web import HTTPException
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gateway.auth.middleware import authenticate_token, client_address
from gateway.errors import error_response
from gateway.principal import Principal, principal_for
from resolvers.compiled.executor import Compiled, run_compiled
from resolvers.context import Context, build_context
from resolvers.identity import PUBLIC_FIELDS
from subscriptions.fanout import FanOutTransportWSHandler


class GraphQLView(GraphQL[Context, None]):
    # live subscriptions of one (document, variables, permission set) share one execution
    graphql_transport_ws_handler_class = FanOutTransportWSHandler

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Refusals before execution answer as GraphQL errors (JSON, extensions.code), not
        Strawberry's plain text."""
        try:
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            headers = {"Allow": "POST"} if exc.status_code == 405 else None
            return error_response(request.scope, exc.status_code, exc.reason, headers=headers)

    async def execute_single(
        self, request: Any, request_adapter: Any, *args: Any, **kw: Any
    ) -> Any:
        """A mutation sent with GET is refused with 405 (GraphQL-over-HTTP), not 400."""
        request_data = kw.get("request_data") or (args[-1] if args else None)
        if request_data is not None and getattr(request_data, "operation_name", None):
            request.scope["audit_operation"] = request_data.operation_name[:100]
        if not isinstance(request.scope.get("principal"), Principal):
            _require_public_operation(request.scope, request_data)
        elif request_data is not None and kw.get("context") is not None:
            compiled = await run_compiled(
                self.schema,
                request_data.query,
                request_data.operation_name,
                request_data.variables,
                kw["context"],
            )
            if compiled is not None:  # built in PostgreSQL: no executor
                return CompiledResult(compiled)  # type: ignore[return-value]
        try:
            return await super().execute_single(request, request_adapter, *args, **kw)
        except HTTPException as exc:
            if (
                isinstance(exc.__cause__, InvalidOperationTypeError)
                and request_adapter.method == "GET"
            ):
                raise HTTPException(405, "Mutations are not allowed over GET; use POST") from exc
            raise

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

    def create_response(self, response_data: Any, sub_response: Any) -> Response:
        if isinstance(response_data, CompiledResult):
            response = Response(
                response_data.compiled.response_body(), media_type="application/json"
            )
            response.headers.raw.extend(sub_response.headers.raw)
            if sub_response.status_code:
                response.status_code = sub_response.status_code
            return response
        return super().create_response(response_data, sub_response)

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticate a subscription connection from its connection_init payload:
        {"Authorization": "Bearer <token or key>"} or {"token": ...} or {"apiKey": ...}."""
        token = _token_from(context.connection_params or {})
        websocket: WebSocket = context.request
        if token is None:
            if isinstance(websocket.scope.get("principal"), Principal):
                return UNSET  # authenticated by ?token= on the URL
            raise ConnectionRejectionError({"message": "Authentication required"})
        state = websocket.app.state
        outcome = await authenticate_token(
            token,
            tokens=state.auth.tokens,
            revocations=state.auth.revocations,
            sessions=state.sessions,
            client=client_address(websocket.scope),
        )
        if not isinstance(outcome, Principal):
            raise ConnectionRejectionError({"message": outcome.message})
        context.act_as(outcome)
        return UNSET

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A request that never executed (syntax or validation error) answers 400, as the
        GraphQL-over-HTTP spec asks, and every error carries `extensions.code`."""
        if isinstance(result, CompiledResult):
            return result  # type: ignore[return-value]
        if result.errors:
            executed = result.data is not None
            hide_suggestions = not request.app.state.settings.is_development
            for error in result.errors:
                _ensure_code(error, executed)
                if hide_suggestions:  # no schema hints for strangers in production
                    error.message = _SUGGESTION.sub("", error.message)
            if not executed:
                request.state.sub_response.status_code = 400
        return await super().process_result(request, result)


class CompiledResult:
    """An answer of the compiled read path: its bytes go out as they are."""

    errors = None

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled


def _require_public_operation(scope: Any, request_data: Any) -> None:
    """Without credentials only the sign-in mutations (signIn, register, refreshToken) run;
    anything else is 401, like every other protected route."""
    problem = scope.get("auth_problem")
    message = (
        problem.message if problem else "Authentication required: send a bearer token or API key"
    )
    status = problem.status if problem else 401
    try:
        document = parse(getattr(request_data, "query", None) or "")
    except GraphQLError:
        raise StarletteHTTPException(status, message) from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = getattr(request_data, "operation_name", None)
    chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
    fields = {
        selection.name.value
        for operation in chosen[:1]
        for selection in operation.selection_set.selections
        if isinstance(selection, FieldNode)
    }
    public = (
        len(chosen) >= 1
        and chosen[0].operation == OperationType.MUTATION
        and fields
        and fields <= PUBLIC_FIELDS
        and len(fields) == len(chosen[0].selection_set.selections)
    )
    if not public:
        raise StarletteHTTPException(status, message)


_SUGGESTION = re.compile(r"\s*Did you mean .*\?$")


def _token_from(params: dict[str, Any]) -> str | None:
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if isinstance(value, str) and value.lower().startswith("bearer "):
            return value[7:].strip() or None
    for key in ("token", "apiKey", "accessToken"):
        value = params.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _ensure_code(error: GraphQLError, executed: bool) -> None:
    extensions = error.extensions if error.extensions is not None else {}
    if "code" not in extensions:
        if not executed:
            parse = error.message.startswith("Syntax Error")
            extensions["code"] = "GRAPHQL_PARSE_FAILED" if parse else "GRAPHQL_VALIDATION_FAILED"
        else:
            extensions["code"] = "INTERNAL_SERVER_ERROR"
        error.extensions = extensions
