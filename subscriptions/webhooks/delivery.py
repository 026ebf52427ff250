"""One delivery attempt: load, guard, sign, POST, record the outcome.

Outcomes (docs/events.md): a 2xx marks the delivery `delivered` and resets the webhook's
failureCount; anything else (an error status, a timeout, a refused connection) counts one
failure on the webhook and schedules a retry on the backoff schedule, honouring the
receiver's Retry-After; after `max_attempts` the delivery is `failed`. A webhook that
fails `disable_after` attempts in a row is disabled. An address the SSRF guard refuses
fails the delivery at once (no retry: DNS that points inwards does not heal by waiting).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from subscriptions.events import Event
from subscriptions.webhooks import signing, ssrf

MAX_DELAY_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Policy:
    allow_loopback: bool = False
    timeout_seconds: float = 10.0
    max_attempts: int = 10
    base_delay_seconds: float = 30.0
    disable_after: int = 50


class DeliveryFailed(Exception):
    """The attempt failed; `retry_in` seconds until the next one, None for no retry."""

    def __init__(self, message: str, retry_in: float | None) -> None:
        super().__init__(message)
        self.retry_in = retry_in


def backoff(attempt: int, base: float, retry_after: float | None = None) -> float:
    """Delay after failed attempt `attempt` (1-based): base * 2^(attempt-1), +-20% jitter,
    at most 6 hours; never sooner than the receiver's Retry-After."""
    delay = min(base * 2 ** (attempt - 1), MAX_DELAY_SECONDS) * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_DELAY_SECONDS))
    return delay


_LOAD = """
SELECT d.status, d.attempts, w.url, w.secret, w.status AS webhook_status,
       e.id, e.type, e.subject, e.payload, e.created_at
FROM webhook_deliveries d
JOIN webhooks w ON w.workspace_id = d.workspace_id AND w.id = d.webhook_id
JOIN events e ON e.workspace_id = d.workspace_id AND e.id = d.event_id
WHERE d.workspace_id = :ws AND d.id = :id
"""


async def attempt(engine: AsyncEngine, policy: Policy, workspace_id: str, delivery_id: str) -> str:
    """Run one attempt; returns the delivery's new status or raises DeliveryFailed."""
    async with engine.connect() as connection:
        row = (
            await connection.execute(text(_LOAD), {"ws": workspace_id, "id": delivery_id})
        ).first()
    if row is None:
        return "gone"  # the webhook was deleted (its deliveries with it)
    if row.status in {"delivered", "failed", "skipped"}:
        return row.status  # a duplicate job after a crash: already settled
    if row.webhook_status != "active":
        await _settle(engine, workspace_id, delivery_id, "skipped", error="webhook disabled")
        return "skipped"
    event = Event(row.id, workspace_id, row.type, row.payload, row.created_at, row.subject)
    body = orjson.dumps(event.webhook_body())
    number = row.attempts + 1
    try:
        address = await ssrf.resolve_safe(row.url, allow_loopback=policy.allow_loopback)
    except ssrf.UnsafeUrl as exc:
        await _failed(
            engine, policy, workspace_id, delivery_id, number, None, str(exc), None, final=True
        )
        raise DeliveryFailed(str(exc), None) from None
    try:
        response = await _post(row.url, address, row.secret, event.id, body, policy)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        retry_in = await _failed(
            engine, policy, workspace_id, delivery_id, number, None, error, None
        )
        raise DeliveryFailed(error, retry_in) from None
    if 200 <= response.status_code < 300:
        await _delivered(engine, workspace_id, delivery_id, number, response.status_code)
        return "delivered"
    retry_after = _retry_after(response.headers.get("retry-after"))
    error = f"HTTP {response.status_code}"
    retry_in = await _failed(
        engine, policy, workspace_id, delivery_id, number, response.status_code, error, retry_after
    )
    raise DeliveryFailed(error, retry_in)


async def _post(
    url: str, address: ssrf.IPAddress, secret: str, event_id: str, body: bytes, policy: Policy
) -> httpx.Response:
    """POST to the address the guard checked (not a second DNS answer), with the URL's
    host in Host and TLS SNI, so a rebinding DNS cannot redirect the request inwards."""
    parts = urlsplit(url)
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port else host
    pinned = urlunsplit(parts._replace(netloc=netloc))
    headers = signing.headers(secret, event_id, int(time.time()), body)
    headers["host"] = parts.netloc.rsplit("@", 1)[-1]
    headers["user-agent"] = "marketing-graph-gateway-webhooks/1"
    async with httpx.AsyncClient(timeout=policy.timeout_seconds, follow_redirects=False) as client:
        return await client.post(
            pinned, content=body, headers=headers, extensions={"sni_hostname": parts.hostname}
        )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


async def _delivered(
    engine: AsyncEngine, ws: str, delivery_id: str, number: int, status_code: int
) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE webhook_deliveries SET status = 'delivered', attempts = :n, "
                "last_status_code = :code, last_error = NULL, last_attempt_at = now(), "
                "delivered_at = now(), next_attempt_at = NULL "
                "WHERE workspace_id = :ws AND id = :id"
            ),
            {"ws": ws, "id": delivery_id, "n": number, "code": status_code},
        )
        await connection.execute(
            text(
                "UPDATE webhooks SET failure_count = 0, last_triggered_at = now() "
                "WHERE workspace_id = :ws AND id = "
                "(SELECT webhook_id FROM webhook_deliveries WHERE workspace_id = :ws AND id = :id)"
            ),
            {"ws": ws, "id": delivery_id},
        )


async def _failed(
    engine: AsyncEngine,
    policy: Policy,
    ws: str,
    delivery_id: str,
    number: int,
    status_code: int | None,
    error: str,
    retry_after: float | None,
    *,
    final: bool = False,
) -> float | None:
    """Record a failed attempt; returns the retry delay, or None when this was the last."""
    async with engine.begin() as connection:
        webhook = (
            await connection.execute(
                text(
                    "UPDATE webhooks SET failure_count = failure_count + 1, "
                    "last_triggered_at = now(), status = CASE WHEN failure_count + 1 >= :limit "
                    "THEN 'disabled' ELSE status END WHERE workspace_id = :ws AND id = "
                    "(SELECT webhook_id FROM webhook_deliveries WHERE workspace_id = :ws "
                    "AND id = :id) RETURNING status"
                ),
                {"ws": ws, "id": delivery_id, "limit": policy.disable_after},
            )
        ).scalar_one_or_none()
        retry_in = None
        if not final and webhook == "active" and number < policy.max_attempts:
            retry_in = backoff(number, policy.base_delay_seconds, retry_after)
        next_at = datetime.now(UTC) + timedelta(seconds=retry_in) if retry_in else None
        await connection.execute(
            text(
                "UPDATE webhook_deliveries SET status = :status, attempts = :n, "
                "last_status_code = :code, last_error = :error, last_attempt_at = now(), "
                "next_attempt_at = :next WHERE workspace_id = :ws AND id = :id"
            ),
            {
                "ws": ws,
                "id": delivery_id,
                "n": number,
                "code": status_code,
                "error": error[:500],
                "next": next_at,
                "status": "retrying" if retry_in else "failed",
            },
        )
    return retry_in


async def _settle(engine: AsyncEngine, ws: str, delivery_id: str, status: str, error: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE webhook_deliveries SET status = :status, last_error = :error "
                "WHERE workspace_id = :ws AND id = :id"
            ),
            {"ws": ws, "id": delivery_id, "status": status, "error": error},
        )
