"""The Prometheus metrics: counters and histograms kept as requests run, and gauges read
when /metrics is scraped (pool, subscribers, outbox, deliveries, job queues).

Label values are bounded: routes are templates (`/api/webhooks/{id}`, or `unmatched`),
and GraphQL operation names, which clients choose, are cut to 64 characters and capped at
MAX_OPERATIONS distinct names per process (later ones count as `other`).
"""

from __future__ import annotations

import re

from prometheus_client import Counter, Gauge, Histogram

MAX_OPERATIONS = 200

HTTP_REQUESTS = Counter(
    "gateway_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "gateway_http_request_duration_seconds",
    "Time to answer an HTTP request (until the last body byte), by method and route template.",
    ["method", "route"],
)
GRAPHQL_OPERATIONS = Counter(
    "gateway_graphql_operations_total",
    "GraphQL operations over HTTP, by operation name (`anonymous` when unnamed).",
    ["operation"],
)
GRAPHQL_LATENCY = Histogram(
    "gateway_graphql_operation_duration_seconds",
    "Time to answer a GraphQL operation over HTTP, by operation name.",
    ["operation"],
)
ERRORS = Counter(
    "gateway_errors_total",
    "Errors answered: GraphQL errors by extensions.code (surface=graphql), and other HTTP "
    "answers of 400 and above by status code (surface=http).",
    ["surface", "code"],
)
CACHE_REQUESTS = Counter(
    "gateway_cache_requests_total",
    "Analytics cache look-ups, by result (hit or miss).",
    ["result"],
)
WEBHOOK_ATTEMPTS = Counter(
    "gateway_webhook_attempts_total",
    "Webhook delivery attempts run by this process, by outcome (delivered, retrying, "
    "failed, skipped).",
    ["outcome"],
)

DB_POOL = Gauge(
    "gateway_db_pool_connections",
    "Database pool connections of this process, by state (size, checked_out, idle, overflow).",
    ["state"],
)
SUBSCRIBERS = Gauge(
    "gateway_subscribers_connected",
    "Live subscribers on this process (GraphQL subscriptions and /v1/ws connections).",
)
METRIC_FEEDS = Gauge(
    "gateway_metric_feeds", "Running live-metric recomputes (metricUpdates and /v1/ws)."
)
OUTBOX_PENDING = Gauge("gateway_outbox_pending_events", "Events recorded but not yet published.")
OUTBOX_LAG = Gauge(
    "gateway_outbox_lag_seconds", "Age of the oldest unpublished event (0 when none wait)."
)
WEBHOOK_DELIVERIES = Gauge(
    "gateway_webhook_deliveries",
    "Webhook deliveries in the database, by status (pending, retrying, delivered, failed, "
    "skipped).",
    ["status"],
)
JOBS = Gauge(
    "gateway_jobs",
    "Jobs in procrastinate_jobs, by queue and status (todo is the queue's depth).",
    ["queue", "status"],
)

_NAME = re.compile(r"[^A-Za-z0-9_]")
_operations: set[str] = set()


def operation_label(name: object) -> str:
    if not name or not isinstance(name, str):
        return "anonymous"
    label = _NAME.sub("_", name)[:64]
    if label not in _operations:
        if len(_operations) >= MAX_OPERATIONS:
            return "other"
        _operations.add(label)
    return label


def cache_lookup(hit: bool) -> None:
    CACHE_REQUESTS.labels("hit" if hit else "miss").inc()


def graphql_errors(codes: list[str]) -> None:
    for code in codes:
        ERRORS.labels("graphql", code).inc()
