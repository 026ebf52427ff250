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
from resolvers.compiled.executor import run_compiled
from resolvers.context import build_context
from resolvers.schema import schema
from tests.rest import dataset, organic_dataset
from tests.rest.conftest import NOW
from tests.utils import social_builders as social
from tests.utils.builders import World
from tests.utils.coaching import load_hub, uid
from tests.utils.compiled import assert_paths_agree, canonical

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
    await load_hub(upload)  # spec 002
    await organic_dataset.load(upload)  # spec 003
    await upload("analytics_exports", [EXPORT])
    await _social(upload)  # spec 004
    return workspace


EXPORT = {
    "id": "exp_1",
    "data": "channel_performance",
    "start_date": "2024-03-01",
    "end_date": "2024-03-31",
    "created_at": "2024-03-09T10:00:00Z",
}


async def _social(upload: Any) -> None:
    await upload("ad_campaigns", [social.campaign(1), social.campaign(2, status="paused")])
    await upload(
        "campaign_metrics",
        [social.campaign_day(1, "2024-03-01", impressions=9000, clicks=300, spend="120.00")],
    )
    await upload(
        "posts",
        [
            social.post(1, 1, status="published", published_at="2024-03-02T09:00:00Z"),
            social.post(2, None, status="scheduled", scheduled_at="2024-03-20T10:00:00Z"),
            social.post(3, None, platform="instagram", title="Compost basics"),
        ],
    )
    await upload("post_metrics", [social.post_metrics(1, views=1200, likes=45, comments=3)])


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


def _route_call(
    route: Any, workspace: str, principal: Principal, context: Any, found: bool = False
) -> Call:
    fields = route.params.model_fields
    query = {name: value for name, value in PARAMS.items() if name in fields}
    if "workspaceId" in fields:
        query["workspaceId"] = workspace
    params = route.params.model_validate(query)
    # An id nobody has: both paths must answer the same "not found"; or the dataset's own.
    names = re.findall(r"{(\w+)}", route.path)
    missing = "00000000-0000-4000-8000-000000000000"  # well-formed (spec 002 ids are UUIDs)
    ids = {name: FOUND[name] if found else missing for name in names}
    request = _Request(ids | {"metric_name": "total_spend"})
    return Call(request, params, None, principal, context)  # type: ignore[arg-type]


# Path ids of rows the dataset holds, by path parameter.
FOUND = {
    "knowledge_base_id": uid("kb", 1),
    "document_id": uid("doc", 1),
    "program_id": uid("program", 1),
    "user_id": uid("user", 1),
    "content_id": "cnt_1",
    "export_id": "exp_1",
}
# Each GET route's operation also runs on rows: its path ids all in FOUND.
ON_ROWS = [r for r in ROUTES if set(re.findall(r"{(\w+)}", r.path)) <= set(FOUND)]
# The routes of specs 002-004 whose selections reach field resolvers (per-item totals,
# nested rows): on rows, the compiled path must answer them, and with rows in them.
WITH_RESOLVERS = {
    "/api/v1/knowledge-bases/{knowledge_base_id}/documents",
    "/api/v1/knowledge-bases/{knowledge_base_id}/documents/{document_id}",
    "/api/v1/programs",
    "/api/v1/programs/{program_id}",
    "/api/v1/users",
    "/api/v1/users/{user_id}",
    "/api/v1/channels",
    "/api/v1/proactive-engine/rules",
    "/v1/posts",
    "/v1/campaigns",
    "/api/dashboard/activity",
    "/api/content",
    "/api/content/{content_id}",
    "/api/email/sequences",
    "/api/email/leads",
    "/api/analytics/export/{export_id}",
}


def _route_variables(route: Any, workspace: str, principal: Principal, kw: Any, found: bool):
    context = build_context(principal=principal, **kw)
    variables = route.variables(_route_call(route, workspace, principal, context, found))
    if isinstance(variables.get("limit"), int):
        # Compared under the executor's cost limit, which REST routes run without.
        variables["limit"] = min(variables["limit"], 100)
    return variables


@pytest.mark.parametrize("route", ROUTES, ids=[r.path for r in ROUTES])
async def test_every_rest_route_operation(route, both_datasets, settings, sessions):
    principal = Principal(workspace_id=both_datasets, subject="test")
    kw = _context_kw(settings, sessions)
    variables = _route_variables(route, both_datasets, principal, kw, found=False)
    answered = await assert_paths_agree(
        schema, route.operation, variables, principal, volatile=LIVE.get(route.path, frozenset()),
        **kw,
    )  # fmt: skip
    assert answered >= 1, f"{route.path} is not compiled"


@pytest.mark.parametrize("route", ON_ROWS, ids=[r.path for r in ON_ROWS])
async def test_every_rest_route_operation_on_rows(route, both_datasets, settings, sessions):
    principal = Principal(workspace_id=both_datasets, subject="test")
    kw = _context_kw(settings, sessions)
    variables = _route_variables(route, both_datasets, principal, kw, found=True)
    volatile = LIVE.get(route.path, frozenset())
    answered = await assert_paths_agree(
        schema, route.operation, variables, principal, volatile=volatile, **kw
    )
    assert answered >= 1, f"{route.path} is not compiled"
    if route.path in WITH_RESOLVERS:
        # The caller's answer itself is compiled, and reaches rows (so nested fields ran).
        compiled = await run_compiled(
            schema, route.operation, None, variables, build_context(principal=principal, **kw)
        )
        assert compiled is not None, f"{route.path} is not compiled for its caller"
        assert _rows(compiled.as_dict()) > 0, canonical(compiled.as_dict())


def _rows(data: Any) -> int:
    """Objects with an `id` anywhere in `data`."""
    if isinstance(data, list):
        return sum(_rows(item) for item in data)
    if isinstance(data, dict):
        return int("id" in data) + sum(_rows(value) for value in data.values())
    return 0


def test_every_route_with_resolvers_runs_on_rows():
    assert {r.path for r in ON_ROWS} >= WITH_RESOLVERS


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
