"""Hostile input answered without a 5xx, in the caller's format: NUL characters and unpaired
surrogates refused at the edge (items 4), bounded integers (5), deeply nested JSON on
/graphql (6), and introspection held to a depth limit (13)."""

from __future__ import annotations

import uuid

import orjson
import pytest
from graphql import get_introspection_query

from gateway.rest import declared
from gateway.rest.docs import openapi

NUL, SURROGATE = "\\u0000", "\\ud800"


def raw_json(text: str) -> dict:
    return {"content": text.encode(), "headers": {"content-type": "application/json"}}


@pytest.mark.parametrize("escape", [NUL, SURROGATE])
async def test_json_bodies_with_unstorable_text_are_400_in_each_family(app_client, escape):
    batch = f"b_{uuid.uuid4().hex[:8]}"
    cases = [
        (
            "POST",
            "/v1/data/upload",
            f'{{"data_type":"users","batch_id":"{batch}",'
            f'"data":[{{"id":"u{escape}1","created_at":"2024-01-01T00:00:00Z"}}]}}',
            "error_code",
        ),
        (
            "POST",
            "/v1/data/upload",
            f'{{"data_type":"users","batch_id":"b{escape}","data":[]}}',
            "error_code",
        ),
        ("PUT", "/v1/user/profile", f'{{"name":"Ada{escape}"}}', "error"),
        (
            "POST",
            "/api/marketing/keys/generate",
            f'{{"name":"k{escape}","permissions":["read:analytics"]}}',
            "error",
        ),
        (
            "POST",
            "/graphql",
            '{"query":"query($i: ID!) { node(id: $i) { id } }",'
            f'"variables":{{"i":"char_{escape}"}}}}',
            "errors",
        ),
    ]
    for method, path, body, key in cases:
        response = await app_client.request(method, path, **raw_json(body))
        assert response.status_code == 400, (path, response.text)
        assert key in response.json(), (path, response.text)


# A request error is 400 in GraphQL over HTTP's own media type (with application/json the
# spec wants 200 and the errors; tests/test_graphql_over_http.py covers that side).
STRICT = {"accept": "application/graphql-response+json"}


async def test_unstorable_path_ids_query_parameters_and_graphql_literals(app_client):
    for path in ("/api/webhooks/wh%00x", "/api/workspaces/ws%00x/switch"):
        method = "DELETE" if "webhooks" in path else "POST"
        response = await app_client.request(method, path)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    response = await app_client.get("/api/marketing/characters/top-performing?sortBy=a%00")
    assert response.status_code == 400 and response.json()["error"]["code"] == "BAD_REQUEST"
    for literal in (NUL, SURROGATE):
        query = f'{{ platformUser(id: "user_{literal}") {{ id }} }}'
        response = await app_client.post("/graphql", json={"query": query}, headers=STRICT)
        assert response.status_code == 400, response.text
        code = response.json()["errors"][0]["extensions"]["code"]
        assert code in {"BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED"}, response.text


async def test_a_clean_body_with_escapes_still_passes(app_client):
    # An escaped backslash before u0000 is two ordinary characters, and a surrogate pair is
    # one character: both are storable.
    body = (
        '{"query":"query($i: ID!) { node(id: $i) { id } }",'
        '"variables":{"i":"a\\\\u0000 \\ud83d\\ude00"}}'
    )
    response = await app_client.post("/graphql", **raw_json(body))
    assert response.status_code == 200, response.text


async def test_page_beyond_the_bound_is_400_not_500(app_client):
    for page in (2**31, 2**63, 100_001):
        response = await app_client.get(
            "/api/marketing/characters/top-performing", params={"page": page}
        )
        assert response.status_code == 400, (page, response.text)
        assert response.json()["error"]["code"] == "BAD_REQUEST"
    last = await app_client.get("/api/marketing/creators/top", params={"page": 100_000})
    assert last.status_code == 200, last.text


def test_every_integer_parameter_of_every_route_has_documented_bounds():
    document = openapi(declared())
    unbounded = [
        (path, method, parameter["name"])
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        for parameter in operation["parameters"]
        if parameter["schema"].get("type") == "integer"
        and not {"minimum", "maximum"} <= set(parameter["schema"])
    ]
    assert unbounded == []


async def test_deeply_nested_json_on_graphql_is_400(app_client):
    deep = b'{"query":"{ __typename }","variables":' + b'{"a":' * 5000 + b"1" + b"}" * 5001
    deeper = b'{"query":"{ __typename }","variables":{"a":' + b"[" * 100_000 + b"]" * 100_000
    for body in (deep, deeper + b"}}"):
        response = await app_client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, response.text[:200]
        assert response.json()["errors"][0]["extensions"]["code"]


async def test_introspection_is_held_to_a_depth_limit(app_client):
    standard = await app_client.post("/graphql", json={"query": get_introspection_query()})
    assert standard.status_code == 200 and "errors" not in standard.json()
    for deep in (
        "{ __schema { types { " + "ofType { " * 14 + "name" + " }" * 14 + " } } }",
        '{ __type(name: "Query") { ' + "ofType { " * 16 + "name" + " }" * 16 + " } }",
    ):
        response = await app_client.post("/graphql", json={"query": deep}, headers=STRICT)
        assert response.status_code == 400, response.text
        error = orjson.loads(response.content)["errors"][0]
        assert "depth" in error["message"].lower(), error
