"""Declarative REST shims: a legacy route is declared once, and the same declaration
serves it, validates it and documents it (gateway/rest/openapi.py).

A route names its scopes, its query (and body) schema, the GraphQL operation it runs
against the one schema, and a function mapping the operation's data to the legacy shape.
The operation is parsed and validated once, when the route table is built, and executed
with the request's principal, so permissions, tenancy, loaders and caching are exactly
the graph's. Protocol-specific routes (streamed exports, the bulk upload) give a `handler`
instead, and name the graph field they stand for (`stands_for`) when there is one.

Scopes: a route needs what it declares plus every scope the fields of its operation (or the
field it stands for) declare in the graph, so REST and GraphQL refuse the same principals.
Every REST route is a `ScopedRoute`, which refuses a principal lacking one of them (403 in
the family's envelope) before anything else runs; tests/auth/test_route_scopes.py walks the
whole route table to prove it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson
from graphql import DocumentNode, ExecutionResult, execute, parse, validate
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.execution import optimized_is_awaitable

from gateway.outage import database_unavailable, unavailable_response
from gateway.principal import Principal, principal_for
from gateway.request_id import request_id_of
from gateway.rest.families import Family, family_for
from resolvers.compiled.executor import run_compiled
from resolvers.context import Context, build_context
from resolvers.permissions import document_scopes, root_field_scopes

log = logging.getLogger(__name__)


def _graph() -> Any:
    """The schema, imported when first needed: resolvers.schema itself reaches this
    package (through the rate limiter's error envelopes) while it is being imported."""
    from resolvers.schema import schema

    return schema


class Envelope(Protocol):
    """A family's success and error bodies (gateway/rest/envelopes.py)."""

    @staticmethod
    def ok(data: Any, request_id: str = "", *, status_code: int = 200) -> Response: ...

    @staticmethod
    def error(
        status_code: int, code: str, message: str, details: Any = None, *, request_id: str = ""
    ) -> Response: ...


class NoParams(BaseModel):
    model_config = ConfigDict(extra="ignore")


# GraphQL error codes -> HTTP status; the family names the legacy code for the status
# (gateway/rest/families.py), unless the error carries a `legacyCode` extension.
_STATUS = {
    "BAD_USER_INPUT": 400,
    "VALIDATION_ERROR": 422,
    "FORBIDDEN": 403,
    "UNAUTHENTICATED": 401,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "SERVICE_UNAVAILABLE": 503,
}


class RestError(Exception):
    """An answer in the route's family envelope; an empty `code` means the family's code for
    the status (gateway/rest/families.py)."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


class ScopedRoute(Route):
    """A Starlette route that refuses a principal lacking one of `scopes` (403 in the path's
    family envelope) before its endpoint runs. Hand-written routes use it directly, with
    `scopes=()` where any signed-in principal may call."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], *, methods: list[str], scopes: Sequence[str]
    ) -> None:
        self.scopes = tuple(scopes)
        family = family_for(path)
        assert family is not None, f"{path} belongs to no legacy family"

        async def guarded(request: Request) -> Response:
            principal = principal_for(request)
            missing = [s for s in self.scopes if not principal.can(s)]
            if missing:
                return family.error(
                    403,
                    f"This needs the '{missing[0]}' scope",
                    request_id=request_id_of(request.scope),
                )
            return await endpoint(request)

        guarded.__name__ = getattr(endpoint, "__name__", "endpoint")
        super().__init__(path, guarded, methods=methods)


@dataclass(frozen=True)
class Call:
    """What a mapper or handler may need besides the data."""

    request: Request
    params: Any
    body: Any
    principal: Principal
    context: Context


@dataclass(kw_only=True)
class RestRoute:
    method: str
    path: str
    summary: str
    tag: str
    envelope: type[Envelope]
    scopes: tuple[str, ...]
    params: type[BaseModel] = NoParams
    body: type[BaseModel] | None = None
    operation: str | None = None
    variables: Callable[[Call], dict[str, Any]] = lambda call: {}
    # Maps the operation's data to the documented body (wrapped in the family's envelope),
    # or returns a whole Response when the family's success body needs more than `data`.
    respond: Callable[[dict[str, Any], Call], Any] | None = None
    handler: Callable[[Call], Awaitable[Response]] | None = None
    # Who acts: by default the request's principal; a family may derive another one from
    # the request (spec 003 acts in the workspace the call names).
    acting: Callable[[Request, Any, Any], Awaitable[Principal]] | None = None
    # Reads the raw body before validation (default: JSON); a CSV upload decodes here.
    decode_body: Callable[[Request], Awaitable[Any]] | None = None
    # The root field a handler route does the work of, e.g. ("mutation", "uploadData"):
    # the route needs that field's scopes too.
    stands_for: tuple[str, str] | None = None
    # For the OpenAPI document only: the body a handler reads and validates itself.
    documented_body: type[BaseModel] | None = None
    status_code: int = 200
    example: Any = None  # the documented response body
    # Rewrites an error before it is answered (e.g. the graph's argument names in `details`
    # spelled as the route's own fields).
    refine_error: Callable[[RestError], RestError] | None = None
    _document: DocumentNode | None = field(default=None, repr=False)
    required_scopes: tuple[str, ...] = field(default=(), init=False)
    _compiled: bool = field(default=False, init=False, repr=False)

    def compile(self) -> RestRoute:
        """Parse and validate the operation once, at startup (a broken one fails loudly), and
        gather the scopes the graph declares for it."""
        if self._compiled:
            return self
        needed = set(self.scopes)
        if self.operation is not None:
            document = parse(self.operation)
            errors = validate(_graph()._schema, document)
            if errors:
                raise ValueError(f"{self.method} {self.path}: {errors[0].message}")
            self._document = document
            needed |= document_scopes(_graph()._schema, document)
        if self.stands_for is not None:
            needed |= root_field_scopes(_graph()._schema, *self.stands_for)
        self.required_scopes = tuple(sorted(needed))
        self._compiled = True
        return self

    async def run(self, call: Call) -> ExecutionResult:
        assert self._document is not None and self.operation is not None
        schema = _graph()
        variables = self.variables(call)
        compiled = await run_compiled(
            schema, self.operation, None, variables, call.context, protect=False
        )
        if compiled is not None:  # built in PostgreSQL (or projected): no executor
            return ExecutionResult(data=compiled.as_dict())
        result = execute(
            schema._schema,
            self._document,
            context_value=call.context,
            variable_values=variables,
            executor_class=schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,
        )
        return await result if optimized_is_awaitable(result) else result  # type: ignore[misc]

    @property
    def family(self) -> Family:
        family = family_for(self.path)
        assert family is not None, f"{self.path} belongs to no legacy family"
        return family

    async def endpoint(self, request: Request) -> Response:
        rid = request_id_of(request.scope)
        try:
            return await self._serve(request)
        except RestError as exc:
            if self.refine_error is not None:
                exc = self.refine_error(exc)
            code = exc.code or self.family.code(exc.status)
            return self.envelope.error(exc.status, code, exc.message, exc.details, request_id=rid)
        except ClientDisconnect:
            raise  # the client is gone: gateway/request_id.py notes it, no error to answer
        except Exception as exc:
            if database_unavailable(exc):
                return unavailable_response(request.scope)
            log.exception("%s %s failed", self.method, self.path)
            return self.envelope.error(
                500, self.family.code(500), "Internal server error", request_id=rid
            )

    async def _serve(self, request: Request) -> Response:
        principal = principal_for(request)
        status = self.family.validation_status
        params = _validated(self.params, query_of(request), "query parameter", status)
        body = None
        if self.body is not None:
            raw = await (self.decode_body or self._json_body)(request)
            body = _validated(self.body, raw, "field", status)
        if self.acting is not None:
            principal = await self.acting(request, params, body)
            self._check_scopes(principal)
        context = build_context(
            settings=request.app.state.settings,
            sessions=request.app.state.sessions,
            principal=principal,
            request=request,
        )
        call = Call(request, params, body, principal, context)
        if self.handler is not None:
            return await self.handler(call)
        result = await self.run(call)
        if result.errors:
            raise _from_graphql(result)
        assert self.respond is not None and result.data is not None
        answer = self.respond(result.data, call)
        if isinstance(answer, Response):
            return answer
        return self.envelope.ok(answer, request_id_of(request.scope), status_code=self.status_code)

    async def _json_body(self, request: Request) -> Any:
        return await json_body(request, invalid_code=self.family.invalid_json_code)

    def _check_scopes(self, principal: Principal) -> None:
        missing = [s for s in self.required_scopes if not principal.can(s)]
        if missing:
            raise RestError(403, "", f"This needs the '{missing[0]}' scope")

    def starlette_route(self) -> Route:
        # A route acting in a workspace it names checks the acting principal's scopes itself.
        scopes = () if self.acting is not None else self.required_scopes
        return ScopedRoute(self.path, self.endpoint, methods=[self.method], scopes=scopes)


def declarer(base: str, envelope: type[Envelope]) -> Callable[..., RestRoute]:
    """A family's shorthand for its declarations: paths under `base`, answers in its
    `envelope` (the positional order most routes need; anything else by keyword)."""

    def declare(
        method: str,
        path: str,
        summary: str,
        tag: str,
        scopes: tuple[str, ...],
        operation: str,
        respond: Any,
        **extra: Any,
    ) -> RestRoute:
        return RestRoute(
            method=method,
            path=base + path,
            summary=summary,
            tag=tag,
            envelope=envelope,
            scopes=scopes,
            operation=operation,
            respond=respond,
            **extra,
        )

    return declare


def query_of(request: Request) -> dict[str, Any]:
    """The query string as a dict; `name[]` keys (repeated, or comma-separated) as lists."""
    query: dict[str, Any] = {}
    for key in request.query_params:
        if key.endswith("[]"):
            values = request.query_params.getlist(key)
            query[key] = [v.strip() for value in values for v in value.split(",") if v.strip()]
        else:
            query[key] = request.query_params[key]
    return query


async def json_body(request: Request, *, invalid_code: str = "") -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        message = f"Request body is not valid JSON: {exc}"
        raise RestError(400, invalid_code, message) from None


def _validated(model: type[BaseModel], raw: Any, what: str, status: int) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        first = details[0]
        message = f"Invalid {what} '{first['field']}': {first['message']}"
        raise RestError(status, "", message, details) from None


def _from_graphql(result: ExecutionResult) -> Exception:
    error = result.errors[0]  # type: ignore[index]
    extensions = error.extensions or {}
    if error.original_error is not None and database_unavailable(error.original_error):
        return error.original_error
    if result.data is None and not extensions.get("code") and error.original_error is None:
        # The variables did not fit the operation (an Int beyond 32 bits, ...): bad input.
        return RestError(400, "", error.message)
    status = _STATUS.get(extensions.get("code") or "", 500)
    if status >= 500 and extensions.get("code") != "SERVICE_UNAVAILABLE":
        log.error("GraphQL error behind a REST route: %s", error.message)
        return RestError(500, "", "Internal server error")
    return RestError(
        status, extensions.get("legacyCode", ""), error.message, extensions.get("details")
    )


def routes_of(declared: list[RestRoute]) -> list[Route]:
    return [route.compile().starlette_route() for route in declared]
