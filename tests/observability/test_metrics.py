"""/metrics: what it counts (by route template and operation name), what it reads at
scrape time, and who may read it."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text

from gateway import jobs
from gateway.database import transaction


async def scrape(client: Any) -> dict[str, list[Any]]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {f.name: f.samples for f in text_string_to_metric_families(response.text)}


def value(families: dict[str, list[Any]], name: str, **labels: str) -> float:
    family = name.removesuffix("_total").removesuffix("_count").removesuffix("_bucket")
    for sample in families.get(family, []):
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return 0.0


async def test_requests_are_counted_by_route_template_and_operation(app_client):
    before = await scrape(app_client)
    for hook in ("wh_nope1", "wh_nope2"):
        assert (await app_client.delete(f"/api/webhooks/{hook}")).status_code == 404
    query = "query DashboardProbe { aiAgents { id } }"
    assert (await app_client.post("/graphql", json={"query": query})).status_code == 200
    bad = await app_client.post("/graphql", json={"query": "{ noSuchField }"})
    assert bad.status_code == 200 and "data" not in bad.json()  # a request error, as JSON
    after = await scrape(app_client)

    route = {"method": "DELETE", "route": "/api/webhooks/{webhook_id}", "status": "404"}
    assert (
        value(after, "gateway_http_requests_total", **route)
        - value(before, "gateway_http_requests_total", **route)
        == 2
    )
    assert value(after, "gateway_errors_total", surface="http", code="404") >= 2
    probe = {"operation": "DashboardProbe"}
    assert value(after, "gateway_graphql_operations_total", **probe) == (
        value(before, "gateway_graphql_operations_total", **probe) + 1
    )
    assert value(after, "gateway_graphql_operation_duration_seconds_count", **probe) >= 1
    failed = {"surface": "graphql", "code": "GRAPHQL_VALIDATION_FAILED"}
    assert value(after, "gateway_errors_total", **failed) == (
        value(before, "gateway_errors_total", **failed) + 1
    )
    latency = {"method": "POST", "route": "/graphql"}
    assert value(after, "gateway_http_request_duration_seconds_count", **latency) >= 2


async def test_cache_hits_and_misses(app_client):
    query = "{ userStats(period: LAST_7_DAYS) { totalUsers } }"
    before = await scrape(app_client)
    for _ in range(2):
        assert (await app_client.post("/graphql", json={"query": query})).status_code == 200
    after = await scrape(app_client)
    hits = value(after, "gateway_cache_requests_total", result="hit") - value(
        before, "gateway_cache_requests_total", result="hit"
    )
    misses = value(after, "gateway_cache_requests_total", result="miss") - value(
        before, "gateway_cache_requests_total", result="miss"
    )
    assert hits >= 1 and hits + misses == 2


async def test_gauges_read_at_scrape_time(app_client, sessions):
    async with transaction(sessions) as session:
        await jobs.defer(session, "probe:record", queue="metrics_probe", args={"n": 1})
        await jobs.defer(session, "probe:record", queue="metrics_probe", args={"n": 2})
    try:
        families = await scrape(app_client)
    finally:
        async with transaction(sessions) as session:
            await session.execute(
                text("DELETE FROM procrastinate_jobs WHERE queue_name = 'metrics_probe'")
            )
    assert value(families, "gateway_jobs", queue="metrics_probe", status="todo") == 2
    assert value(families, "gateway_db_pool_connections", state="size") >= 1
    for name in ("gateway_subscribers_connected", "gateway_outbox_pending_events"):
        assert name in families
    assert value(families, "gateway_outbox_lag_seconds") >= 0
    statuses = {s.labels["status"] for s in families["gateway_webhook_deliveries"]}
    assert statuses == {"pending", "retrying", "delivered", "failed", "skipped"}


@pytest.fixture
def production_metrics(app):
    original = app.state.settings

    def configure(**update: Any) -> None:
        app.state.settings = original.model_copy(update={"environment": "production", **update})

    yield configure
    app.state.settings = original


async def test_not_public_in_production(production_metrics, anonymous_client):
    production_metrics()
    assert (await anonymous_client.get("/metrics")).status_code == 403

    production_metrics(metrics_token=SecretStr("scrape-secret-1234"))
    assert (await anonymous_client.get("/metrics")).status_code == 403
    wrong = {"Authorization": "Bearer not-the-secret"}
    assert (await anonymous_client.get("/metrics", headers=wrong)).status_code == 403
    right = {"Authorization": "Bearer scrape-secret-1234"}
    assert (await anonymous_client.get("/metrics", headers=right)).status_code == 200

    production_metrics(metrics_allow=["127.0.0.0/8"])  # httpx's ASGI client is 127.0.0.1
    assert (await anonymous_client.get("/metrics")).status_code == 200
    production_metrics(metrics_allow=["10.1.0.0/16"])
    assert (await anonymous_client.get("/metrics")).status_code == 403
