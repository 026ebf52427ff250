"""Both read paths on the same data and principals: every REST route's operation, and every
query document written in the test suite, through the compiled path and the executor.

Where the compiled path answers it must answer exactly what the executor answers (key order
and number types included); where it declines, the executor's answer (its errors too) is
what the caller gets, so errors are the executor's by construction. The caller, a caller
without any scope and a caller from another workspace each run both paths.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.datastructures import QueryParams

from gateway import rest
from gateway.database import transaction
from gateway.ingestion import ingest
from gateway.principal import Principal
from gateway.rest.routing import Call
from models.base import new_id
from models.tenancy import Workspace
from resolvers.context import build_context
from resolvers.schema import schema
from tests.rest import dataset
from tests.rest.conftest import NOW
from tests.utils.builders import World
from tests.utils.compiled import assert_paths_agree

TESTS = Path(__file__).resolve().parent.parent
# Values for the variables the suite's documents declare, where they have no default.
VARIABLES: dict[str, Any] = {"first": 5, "id": "char_3", "after": None, "period": "LAST_30_DAYS"}


def _queries_in_the_suite() -> list[tuple[str, str]]:
    """String constants of tests/ that are single query operations (and parse)."""
    found: dict[str, str] = {}
    for path in sorted(TESTS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = node.value
            if "{" not in text or "}" not in text:
                continue
            try:
                document = parse(text)
            except GraphQLError:
                continue
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) == 1 and operations[0].operation is OperationType.QUERY:
                found.setdefault(text, f"{path.relative_to(TESTS)}:{node.lineno}")
    return [(where, text) for text, where in found.items()]


QUERIES = _queries_in_the_suite()
ROUTES = [r for r in rest.declared() if r.operation and r.method == "GET"]


def test_the_suite_has_documents_and_routes_to_compare():
    assert len(QUERIES) >= 20 and len(ROUTES) >= 20


@pytest.fixture(scope="module")
async def both_datasets(sessions) -> str:
    """One workspace for the module (read-only tests): the REST dataset and a World."""
    workspace = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=workspace, name="Differential", slug=workspace))

    async def upload(data_type: str, records: list[dict[str, Any]]) -> None:
        async with transaction(sessions) as session:
            await ingest(session, data_type=data_type, records=records, workspace_id=workspace)

    await dataset.load(upload, sessions, workspace)
    await World(users=20, creators=3, characters=9).build().load(upload)
    return workspace


def _context_kw(settings: Any, sessions: Any) -> dict[str, Any]:
    uncached = settings.model_copy(update={"analytics_cache": False})
    return {"settings": uncached, "sessions": sessions, "extras": {"now": NOW}}


# Query values a route needs besides its defaults (the dataset's own names and window).
PARAMS: dict[str, Any] = {
    "data_type": "meta_ads",
    "start_time": "2024-09-01T00:00:00Z",
    "end_time": "2024-09-30T23:00:00Z",
}
# Routes whose answers are live process measurements (counters, latencies, memory).
LIVE = {
    "/v1/metrics/{metric_name}/timeseries": frozenset({"queryTimeSeconds"}),
    "/v1/health": frozenset({"checkedAt", "queriesProcessed", "avgLatency", "cacheHitRate"}),
    "/v1/stats/performance": frozenset(
        {
            "queriesProcessed", "avgLatency", "cacheHitRate", "hits", "misses", "sets",
            "hitRate", "localCacheSize", "percent", "availableGb", "activeComputations",
            "connectedClients", "usedMemoryHuman", "keyspaceHits", "keyspaceMisses",
            "uptimeSeconds",
        }
    ),
}  # fmt: skip


class _Request:
    """What a route's `variables` reads of a request: its path and query parameters."""

    def __init__(self, path_params: dict[str, str]) -> None:
        self.path_params = path_params
        self.query_params = QueryParams()


def _route_call(route: Any, workspace: str, principal: Principal, context: Any) -> Call:
    fields = route.params.model_fields
    query = {name: value for name, value in PARAMS.items() if name in fields}
    if "workspaceId" in fields:
        query["workspaceId"] = workspace
    params = route.params.model_validate(query)
    # An id nobody has: both paths must answer the same "not found".
    names = re.findall(r"{(\w+)}", route.path)
    missing = "00000000-0000-4000-8000-000000000000"  # well-formed (spec 002 ids are UUIDs)
    request = _Request({name: missing for name in names} | {"metric_name": "total_spend"})
    return Call(request, params, None, principal, context)  # type: ignore[arg-type]


@pytest.mark.parametrize("route", ROUTES, ids=[r.path for r in ROUTES])
async def test_every_rest_route_operation(route, both_datasets, settings, sessions):
    principal = Principal(workspace_id=both_datasets, subject="test")
    kw = _context_kw(settings, sessions)
    context = build_context(principal=principal, **kw)
    variables = route.variables(_route_call(route, both_datasets, principal, context))
    if isinstance(variables.get("limit"), int):
        # Compared under the executor's cost limit, which REST routes run without.
        variables["limit"] = min(variables["limit"], 100)
    answered = await assert_paths_agree(
        schema, route.operation, variables, principal, volatile=LIVE.get(route.path, frozenset()),
        **kw,
    )  # fmt: skip
    assert answered >= 1, f"{route.path} is not compiled"


@pytest.mark.parametrize(("where", "query"), QUERIES, ids=[w for w, _ in QUERIES])
async def test_every_query_of_the_suite(where, query, both_datasets, settings, sessions):
    principal = Principal(workspace_id=both_datasets, subject="test")
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    variables = {
        v.variable.name.value: VARIABLES[v.variable.name.value]
        for v in operation.variable_definitions or ()
        if v.default_value is None and v.variable.name.value in VARIABLES
    }
    await assert_paths_agree(schema, query, variables, principal, **_context_kw(settings, sessions))
