"""Structured logs carry the request id, principal and workspace; tracing, when switched on,
records spans for requests and SQL, and refuses to start without its packages."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import ValidationError

from gateway.app import create_app
from gateway.observability import logs, tracing
from gateway.settings import Settings


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the gateway's JSON handler (logs.install) would write, into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)


def _records(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


async def test_each_request_logs_one_json_line_with_its_ids(app_client, log_lines):
    response = await app_client.get(
        "/api/webhooks/wh_none", headers={"X-Request-ID": "req_logcheck42"}
    )
    assert response.headers["x-request-id"] == "req_logcheck42"
    access = [r for r in _records(log_lines) if r.get("logger") == "gateway.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req_logcheck42"
    assert line["principal"].startswith("usr_") and line["workspace"] == "ws_default"
    assert line["route"] == "/api/webhooks/{webhook_id}" and line["method"] == "GET"
    assert isinstance(line["status"], int) and line["duration_ms"] >= 0
    assert line["level"] == "info" and line["timestamp"].endswith("Z")


def test_standard_library_loggers_carry_the_bound_request(log_lines):
    logs.bind_request("req_inside1")
    logs.bind_principal("key_abc", "ws_logs")
    try:
        logging.getLogger("gateway.somewhere").warning("cache unavailable: %s", "timeout")
    finally:
        logs.bind_request("")
    (line,) = [r for r in _records(log_lines) if r.get("logger") == "gateway.somewhere"]
    assert line == {
        "event": "cache unavailable: timeout",
        "request_id": "req_inside1",
        "principal": "key_abc",
        "workspace": "ws_logs",
        "level": "warning",
        "logger": "gateway.somewhere",
        "timestamp": line["timestamp"],
    }


def test_tracing_refuses_to_start_without_its_packages(monkeypatch):
    monkeypatch.setattr(tracing, "missing_modules", lambda: ["opentelemetry.sdk.trace"])
    with pytest.raises(ValidationError, match=r"marketing-graph-gateway\[tracing\]"):
        Settings(tracing_enabled=True, _env_file=None)


async def test_traces_cover_requests_sql_and_redis(settings, owner_token):
    pytest.importorskip("opentelemetry.sdk", reason="the tracing extra is not installed")
    from opentelemetry import trace
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    traced = settings.model_copy(
        update={"tracing_enabled": True, "otel_traces_exporter": "none", "migrate_on_start": False}
    )
    app = create_app(traced)
    exporter = InMemorySpanExporter()
    trace.get_tracer_provider().add_span_processor(SimpleSpanProcessor(exporter))
    try:
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as client:
                response = await client.post(
                    "/graphql",
                    json={"query": "query Traced { aiAgents { id } }"},
                    headers={"Authorization": f"Bearer {owner_token}"},
                )
        spans = exporter.get_finished_spans()
    finally:
        exporter.shutdown()  # the provider lives on for the process: keep no more spans
    assert response.status_code == 200
    server = [s for s in spans if s.kind is trace.SpanKind.SERVER]
    assert server and server[0].name == "POST /graphql"
    sql = [s for s in spans if s.attributes.get("db.system") == "postgresql"]
    assert sql, sorted({s.name for s in spans})
    assert {s.context.trace_id for s in sql} & {s.context.trace_id for s in server}
    assert any(s.attributes.get("db.system") == "redis" for s in spans)
    assert HTTPXClientInstrumentor().is_instrumented_by_opentelemetry  # webhooks, adapters


def test_a_line_below_the_level_costs_no_processing(monkeypatch):
    """The access log under LOG_LEVEL=warning: dropped before the timestamp, the context
    merge and the rendering, which cost 6% of a trivial request."""
    seen: list[str] = []

    def spy(logger: object, method: str, event: dict) -> dict:
        seen.append(event["event"])
        return event

    monkeypatch.setattr(logs, "_SHARED", [spy])
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    try:
        logs.configure_structlog()
        logger = logs.logger("gateway.levelcheck")
        logger.info("dropped")
        logger.warning("kept")
    finally:
        root.setLevel(level)
        monkeypatch.undo()
        logs.configure_structlog()
    assert seen == ["kept"]
