"""OpenAPI 3.1 generated from the REST declarations, served at /openapi.json, with a docs
page at /docs (Redoc-style static page; it loads the bundle from /docs/redoc.js when one
is vendored, and always lists the routes itself, so it works offline)."""

from __future__ import annotations

import html
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Route

from gateway.rest.routing import NoParams, RestRoute


def _object(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


_DETAIL = {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}
_STAMPED = {**_DETAIL, "timestamp": {"type": "string"}, "requestId": {"type": "string"}}
# Each family's error body (gateway/rest/families.py writes them), by its envelope class.
_ERROR_BODIES: dict[str, dict[str, Any]] = {
    "Marketing": _object(
        ["success", "error"],
        {"success": {"const": False}, "error": _object(list(_DETAIL), _DETAIL)},
    ),
    "Pipeline": _object(
        ["success", "message", "error_code", "details", "timestamp"],
        {
            "success": {"const": False},
            "data": {"type": "null"},
            "metadata": {"type": "null"},
            "message": {"type": "string"},
            "timestamp": {"type": "string"},
            "error_code": {"type": "string"},
            "details": {},
        },
    ),
    "Coaching": _object(
        ["error"],
        {"error": _object([*_DETAIL, "request_id"], {**_DETAIL, "request_id": {"type": "string"}})},
    ),
    "Dashboard": _object(
        ["success", "error", "meta"],
        {"success": {"const": False}, "error": _object(list(_DETAIL), _DETAIL), "meta": {}},
    ),
    "Social": _object(
        ["success", "error"],
        {"success": {"const": False}, "error": _object(list(_STAMPED), _STAMPED)},
    ),
}
_OK = {"description": "The documented body, in the family's success envelope"}
_ERRORS = {
    "400": "Invalid parameters",
    "401": "Invalid or missing API key",
    "403": "Insufficient permissions",
    "429": "Too many requests",
    "500": "Server error",
}


def _parameters(route: RestRoute) -> list[dict[str, Any]]:
    in_path = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", route.path)
    ]
    if route.params is NoParams:
        return in_path
    schema = route.params.model_json_schema()
    required = set(schema.get("required", []))
    return in_path + [
        {"name": name, "in": "query", "required": name in required, "schema": _clean(prop)}
        for name, prop in schema.get("properties", {}).items()
    ]


def _clean(prop: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in prop.items() if k != "title"}


def _operation(route: RestRoute) -> dict[str, Any]:
    route.compile()  # its required scopes include those the graph declares
    error = {"$ref": f"#/components/schemas/{route.envelope.__name__}Error"}
    responses: dict[str, Any] = {
        str(route.status_code): {
            "description": _OK["description"],
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        **{
            code: {"description": text, "content": {"application/json": {"schema": error}}}
            for code, text in _ERRORS.items()
        },
    }
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": [route.tag],
        "operationId": f"{route.method.lower()}{route.path.replace('/', '_').replace('-', '_')}",
        "parameters": _parameters(route),
        "responses": responses,
        "security": [{"apiKey": list(route.required_scopes)}],
        "x-required-scopes": list(route.required_scopes),
    }
    if route.operation:
        operation["description"] = (
            f"Runs the GraphQL operation:\n\n```graphql\n{route.operation}\n```"
        )
    body = route.body or route.documented_body
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _clean(body.model_json_schema())}},
        }
    return operation


def openapi(routes: list[RestRoute]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Marketing Graph Gateway: legacy REST", "version": "0.1.0"},
        "paths": paths,
        "components": {
            "schemas": {f"{name}Error": body for name, body in _ERROR_BODIES.items()},
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }


def _page(document: dict[str, Any]) -> str:
    items = "".join(
        f"<li><code>{method.upper()} {html.escape(path)}</code> {html.escape(op['summary'])}"
        f" <small>({', '.join(op['x-required-scopes'])})</small></li>"
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>API docs</title></head><body>"
        "<h1>Marketing Graph Gateway: legacy REST</h1>"
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3.1).</p>"
        "<redoc spec-url='/openapi.json'></redoc><script src='/docs/redoc.js'></script>"
        f"<ul>{items}</ul></body></html>"
    )


def routes(declared: list[RestRoute]) -> list[BaseRoute]:
    document = openapi(declared)
    page = _page(document)

    async def spec(request: Request) -> JSONResponse:
        return JSONResponse(document)

    async def docs(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return [Route("/openapi.json", spec), Route("/docs", docs)]
