"""/graphql protection: size, shape and cost limits refuse a query before any resolver
runs (no SQL is issued), and production hides the schema and unexpected errors."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from gateway.app import create_app
from tests.utils import accounts


def nested(depth: int) -> str:
    query = "id"
    for _ in range(depth):
        query = f"creator {{ characters(limit: 1) {{ {query} }} }}"
    return f"{{ characters(first: 1) {{ nodes {{ {query} }} }} }}"


async def refused(graphql, count_statements, query: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    count_statements.count = 0
    result = await graphql(query)
    assert result.data is None and result.errors, query
    assert count_statements.count == 0, "a resolver ran"
    return result.errors[0]


async def test_over_deep_query_is_refused_before_resolvers(graphql, count_statements):
    error = await refused(graphql, count_statements, nested(6))
    assert "exceeds maximum operation depth" in error.message


async def test_over_aliased_query_is_refused(graphql, count_statements):
    aliases = " ".join(f"a{n}: characters(first: 1) {{ totalCount }}" for n in range(31))
    error = await refused(graphql, count_statements, f"{{ {aliases} }}")
    assert "aliases" in error.message.lower()


async def test_over_cost_query_is_refused(graphql, count_statements):
    query = """{ characters(first: 100) { nodes { id
        creator { characters(limit: 100) { id creator { characters(limit: 100) { id } } } } } } }"""
    error = await refused(graphql, count_statements, query)
    assert error.extensions["code"] == "QUERY_TOO_COMPLEX"
    assert error.extensions["cost"] > 50_000


async def test_cost_counts_variables(graphql, count_statements):
    query = """query($n: Int!) { characters(first: $n) { nodes { id
        creator { characters(limit: 100) { id creator { characters(limit: 100) { id } } } } } } }"""
    count_statements.count = 0
    cheap = await graphql(query, {"n": 1})
    assert cheap.errors is None  # 1 x 100 x 100: within the limit
    expensive = await graphql(query, {"n": 50})
    assert expensive.errors[0].extensions["code"] == "QUERY_TOO_COMPLEX"


async def test_too_many_tokens(graphql, count_statements):
    fields = " ".join(["id"] * 6000)
    error = await refused(
        graphql, count_statements, f"{{ characters(first: 1) {{ nodes {{ {fields} }} }} }}"
    )
    assert "token" in error.message.lower()


async def test_http_limits(app_client):
    mutation_over_get = await app_client.get(
        "/graphql",
        params={"query": 'mutation { uploadData(dataType: "users", data: []) { batchId } }'},
    )
    assert mutation_over_get.status_code == 405
    assert mutation_over_get.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    batch = await app_client.post("/graphql", json=[{"query": "{ __typename }"}] * 3)
    assert batch.status_code == 400
    huge = await app_client.post(
        "/graphql",
        content=b'{"query": "' + b" " * (2 * 1024 * 1024) + b'"}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@asynccontextmanager
async def app_with(settings, **overrides):  # type: ignore[no-untyped-def]
    app = create_app(
        settings.model_copy(update={"relay_in_app": False, "worker_in_app": False, **overrides})
    )
    async with LifespanManager(app, startup_timeout=60):
        yield app


async def test_cost_budget_per_principal(settings, workspace):
    # scale 0.0001: the 500,000-point budget becomes 50 points a minute.
    async with app_with(
        settings, rate_limit_scale=0.0001, rate_limit_key_prefix=f"cost-{workspace}"
    ) as app:
        token = await accounts.owner_token(app, workspace)
        headers = {"Authorization": f"Bearer {token}"}
        query = {"query": "{ characters(first: 10) { nodes { id name } } }"}  # cost 31
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            first = await http.post("/graphql", json=query, headers=headers)
            second = await http.post("/graphql", json=query, headers=headers)
    assert "errors" not in first.json()
    assert second.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_production_hides_schema_and_unexpected_errors(settings, workspace):
    production = {"environment": "production", "secret_key": SecretStr("p" * 40)}
    async with app_with(settings, **production) as app:
        token = await accounts.owner_token(app, workspace)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as http:
            introspection = await http.post(
                "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers
            )
            typo = await http.post(
                "/graphql", json={"query": "{ charactrs { totalCount } }"}, headers=headers
            )
            ide = await http.get("/graphql", headers={"accept": "text/html"})
    # A validation error: 200 with application/json (GraphQL over HTTP), and no data entry.
    assert introspection.status_code == 200 and "data" not in introspection.json()
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert "Did you mean" not in typo.json()["errors"][0]["message"]
    assert ide.status_code in (401, 404)
