"""GET /metrics: the Prometheus text format, for the callers the settings name.

In development anyone on the machine may read it; otherwise only a client address in
METRICS_ALLOW (addresses or CIDR ranges) or a request bearing METRICS_TOKEN. Gauges about
shared state (outbox, deliveries, jobs) are read from the database at scrape time.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from gateway.auth.middleware import bearer_token, client_address
from gateway.observability import metrics
from models.events import DELIVERY_STATUSES

log = logging.getLogger(__name__)

_SHARED_STATE = """
SELECT 'outbox' AS kind, '' AS a, '' AS b, count(*)::float AS n,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS age
FROM events WHERE published_at IS NULL
UNION ALL
SELECT 'delivery', status, '', count(*), 0 FROM webhook_deliveries GROUP BY status
UNION ALL
SELECT 'job', queue_name, status::text, count(*), 0 FROM procrastinate_jobs
GROUP BY queue_name, status
"""


def may_read(request: Request) -> bool:
    settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    offered = bearer_token(request.scope) or ""
    if token and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    if settings.metrics_allow:
        address = client_address(request.scope)
        try:
            client = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(client in ipaddress.ip_network(n, strict=False) for n in settings.metrics_allow)
    return settings.is_development and not token


async def endpoint(request: Request) -> Response:
    if not may_read(request):
        return PlainTextResponse("Forbidden\n", status_code=403)
    _read_process_state(request.app.state)
    await _read_shared_state(request.app.state.engine)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _read_process_state(state: Any) -> None:
    pool = state.engine.pool
    size, out, idle, overflow = pool.size(), pool.checkedout(), pool.checkedin(), pool.overflow()
    for name, value in (("size", size), ("checked_out", out), ("idle", idle)):
        metrics.DB_POOL.labels(name).set(value)
    metrics.DB_POOL.labels("overflow").set(max(overflow, 0))
    live = state.live
    metrics.SUBSCRIBERS.set(live.hub.subscriber_count)
    metrics.METRIC_FEEDS.set(live.metrics.feed_count())


async def _read_shared_state(engine: Any) -> None:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SET LOCAL statement_timeout = '2s'"))
            found = (await connection.execute(text(_SHARED_STATE))).all()
    except Exception:  # a scrape must still answer with what the process knows
        log.warning("metrics: reading the outbox and job tables failed", exc_info=True)
        return
    metrics.JOBS.clear()
    for status in DELIVERY_STATUSES:  # every status, zeros included: absent is not zero
        metrics.WEBHOOK_DELIVERIES.labels(status).set(0)
    for row in found:
        if row.kind == "outbox":
            metrics.OUTBOX_PENDING.set(row.n)
            metrics.OUTBOX_LAG.set(row.age)
        elif row.kind == "delivery":
            metrics.WEBHOOK_DELIVERIES.labels(row.a).set(row.n)
        else:
            metrics.JOBS.labels(row.a, row.b).set(row.n)
