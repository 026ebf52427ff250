"""Strawberry's ASGI view, wired to the gateway's per-request Context."""

from __future__ import annotations

import re
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from gateway import graphql_response as responses
from gateway import persisted_documents as persisted
from gateway.auth.middleware import authenticate_token, client_address
from gateway.errors import error_response
from gateway.observability import metrics
from gateway.outage import MESSAGE as OUTAGE_MESSAGE
from gateway.outage import RETRY_AFTER_SECONDS, database_unavailable
from gateway.principal import Principal, principal_for
from resolvers.compiled.executor import Compiled, run_compiled
from resolvers.context import Context, build_context
from resolvers.identity import PUBLIC_FIELDS


class GraphQLView(GraphQL[Context, None]):
    """GraphQL over HTTP, and graphql-ws. graphql-transport-ws is served by
    subscriptions/transport_ws.py, which calls on_ws_connect here."""

    def decode_json(self, data: str | bytes) -> object:
        """orjson refuses nesting deeper than 1024 (and unpaired surrogates) with a
        JSONDecodeError, which answers 400; the standard parser ran out of stack (500)."""
        return orjson.loads(data)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """Refusals before execution answer as GraphQL errors (JSON, extensions.code), not
        Strawberry's plain text."""
        try:
            if (answered := await self._compiled_lane(request)) is not None:
                return answered
            return await super().run(request, context, root_value)
        except HTTPException as exc:
            headers = {"Allow": "POST"} if exc.status_code == 405 else None
            return error_response(request.scope, exc.status_code, exc.reason, headers=headers)

    async def _compiled_lane(self, request: Any) -> Response | None:
        """A plain JSON POST (query, variables, operationName) that the compiled path answers
        skips Strawberry's request parsing, IDE check and result processing: most of the
        Python time of `{ __typename }` and of the compiled reads. None: the full path runs
        (Starlette keeps the body read here), which also answers every refusal."""
        if (
            not isinstance(request, Request)
            or request.method != "POST"
            or not isinstance(request.scope.get("principal"), Principal)
            or request.headers.get("content-type", "").partition(";")[0].strip().lower()
            != "application/json"
        ):
            return None
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if not isinstance(body, dict) or not body.keys() <= _PLAIN_REQUEST_KEYS:
            return None
        query, variables, name = body.get("query"), body.get("variables"), body.get("operationName")
        if (
            not isinstance(query, str)
            or not isinstance(variables, dict | None)
            or not isinstance(name, str | None)
        ):
            return None
        request_data = GraphQLRequestData(
            query=query, variables=variables, operation_name=name, extensions=None
        )
        try:
            await persisted.resolve_request(request, request_data)  # trusted mode's check
        except persisted.PersistedQueryError:
            return None
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        answer = await self._answer_compiled(request, request_data, context)
        return None if answer is None else self.create_response(answer, sub_response)

    async def _answer_compiled(
        self, request: Any, request_data: Any, context: Any
    ) -> CompiledResult | None:
        if name := request_data.operation_name:
            request.scope["audit_operation"] = name[:100]
            request.scope["graphql_operation"] = name
        compiled = await run_compiled(
            self.schema,
            request_data.query,
            request_data.operation_name,
            request_data.variables,
            context,
        )
        if compiled is None:
            return None
        # built in PostgreSQL: no executor
        request.scope["graphql_operation"] = compiled.operation_name
        return CompiledResult(compiled, responses.negotiate(request.headers.get("accept")))

    async def execute_single(
        self, request: Any, request_adapter: Any, *args: Any, **kw: Any
    ) -> Any:
        """A mutation sent with GET is refused with 405 (GraphQL-over-HTTP), not 400."""
        request_data = kw.get("request_data") or (args[-1] if args else None)
        operation_name = getattr(request_data, "operation_name", None)
        if operation_name is not None and not isinstance(operation_name, str):
            raise HTTPException(400, "operationName must be a string")
        if operation_name:
            request.scope["audit_operation"] = operation_name[:100]
            request.scope["graphql_operation"] = operation_name  # also when compiled
        try:
            resolved = await persisted.resolve_request(request, request_data)
        except persisted.PersistedQueryError as refused:
            return persisted.refusal(refused)
        if not isinstance(request.scope.get("principal"), Principal):
            _require_public_operation(request.scope, request_data)
        await persisted.remember(request, resolved)
        if (
            isinstance(request.scope.get("principal"), Principal)
            and request_data is not None
            and kw.get("context") is not None
        ):
            answer = await self._answer_compiled(request, request_data, kw["context"])
            if answer is not None:
                return answer
        try:
            return await super().execute_single(request, request_adapter, *args, **kw)
        except HTTPException as exc:
            if (
                isinstance(exc.__cause__, InvalidOperationTypeError)
                and request_adapter.method == "GET"
            ):
                raise HTTPException(405, "Mutations are not allowed over GET; use POST") from exc
            raise

    def should_render_graphql_ide(self, request: Any) -> bool:
        """A GET naming a persisted document by hash is an operation, not a page view."""
        if request.query_params.get("extensions") is not None:
            return False
        return super().should_render_graphql_ide(request)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        request.state.sub_response = response
        return connection_context(request, response)

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticate a subscription connection from its connection_init payload:
        {"Authorization": "Bearer <token or key>"} or {"token": ...} or {"apiKey": ...}."""
        token = _token_from(context.connection_params or {})
        context.connection_params = None  # it keeps the principal, not the credentials
        websocket: WebSocket = context.request
        if token is None:
            if isinstance(websocket.scope.get("principal"), Principal):
                return UNSET  # authenticated by ?token= on the URL
            raise ConnectionRejectionError({"message": "Authentication required"})
        state = websocket.app.state
        outcome = await authenticate_token(
            token, state=state, client=client_address(websocket.scope)
        )
        if not isinstance(outcome, Principal):
            raise ConnectionRejectionError({"message": outcome.message})
        context.act_as(outcome)
        return UNSET

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """Status, media type and body shape as the client's Accept header asks
        (gateway/graphql_response.py); every error carries `extensions.code`."""
        if isinstance(result, CompiledResult):
            return result  # type: ignore[return-value]
        did_execute = responses.executed(result.data, result.errors)
        if result.errors:
            hide_suggestions = not request.app.state.settings.is_development
            if any(database_unavailable(e.original_error) for e in result.errors):
                # PostgreSQL is away: 503 with Retry-After, like every other surface.
                response = request.state.sub_response
                response.status_code = 503
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
                for error in result.errors:
                    if database_unavailable(error.original_error):
                        error.message = OUTAGE_MESSAGE
                        error.extensions = {"code": "SERVICE_UNAVAILABLE"}
            for error in result.errors:
                _ensure_code(error, did_execute)
                if hide_suggestions:  # no schema hints for strangers in production
                    error.message = _SUGGESTION.sub("", error.message)
            metrics.graphql_errors([e.extensions["code"] for e in result.errors])
            request.scope["graphql_errors_counted"] = True
        media_type = responses.negotiate(request.headers.get("accept"))
        sub_response = request.state.sub_response
        sub_response.media_type = media_type
        if sub_response.status_code != 503:  # an outage keeps its 503 and Retry-After
            sub_response.status_code = responses.status_for(media_type, did_execute)
        body = await super().process_result(request, result)
        return responses.shape(body, did_execute)  # type: ignore[arg-type,return-value]

    def create_response(
        self, response_data: Any, sub_response: Response, *args: Any, **kw: Any
    ) -> Response:
        if isinstance(response_data, CompiledResult):  # its bytes go out as they are
            response = Response(
                response_data.compiled.response_body(), media_type=response_data.media_type
            )
            response.headers.raw.extend(sub_response.headers.raw)
            if sub_response.status_code:
                response.status_code = sub_response.status_code
            return response
        response = super().create_response(response_data, sub_response, *args, **kw)
        if getattr(sub_response, "media_type", None):
            response.headers["content-type"] = sub_response.media_type
        return response


def connection_context(connection: HTTPConnection, response: Any = None) -> Context:
    """The resolvers' context for a request or a WebSocket connection."""
    state = connection.app.state
    return build_context(
        settings=state.settings,
        sessions=state.sessions,
        principal=principal_for(connection),
        request=connection,
        response=response,
    )


_PLAIN_REQUEST_KEYS = frozenset({"query", "variables", "operationName"})


class CompiledResult:
    """An answer of the compiled read path: its bytes go out as they are."""

    errors = None

    def __init__(self, compiled: Compiled, media_type: str) -> None:
        self.compiled, self.media_type = compiled, media_type


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
