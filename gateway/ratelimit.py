"""Rate limits (the `limits` library, moving window): per principal and route class, with
the numbers each spec documents; Redis storage when configured so that every replica
spends one budget, in-memory otherwise. Spec 003's limits by tier follow the plan of the
workspace the call names (its workspaceId), not that of the token's workspace.

Every authenticated request also spends the principal's one gateway-wide budget, whichever
surface it calls, REST or /graphql. Anonymous calls (the token endpoints) are limited per
client address. If the storage fails, token and key endpoints and REST writes fail closed
(503) for every principal alike, and reads and /graphql fail open; both are logged and
counted.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerHour
from limits import RateLimitItemPerMinute as PerMinute
from limits import RateLimitItemPerSecond as PerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.responses import Response
from starlette.types import Receive, Scope

from gateway.auth.middleware import client_address
from gateway.auth.paths import PUBLIC_ROUTES, must_fail_closed
from gateway.errors import error_response
from gateway.input_guard import buffered_body
from gateway.organic import opens
from gateway.principal import Principal
from gateway.rest.families import DASHBOARD, family_for
from gateway.rest.organic.acting import rated_principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteClass:
    name: str
    limits: tuple[RateLimitItem, ...]  # the first one is reported in the headers


# Anonymous callers only reach the token endpoints; argon2 already slows each attempt.
ANONYMOUS = RouteClass("anonymous", (PerMinute(30),))
# Channel webhooks (gateway/coaching/webhook_routes.py) arrive without a principal, from a
# provider's few addresses: their budget is per channel, not per address.
CHANNEL_WEBHOOK = RouteClass("channel-webhook", (PerMinute(600),))
# Email open pixels (gateway/rest/organic/opens.py) are loaded by mail clients and by the
# image proxies of mail providers, which fetch for many recipients from a few addresses:
# a per-address budget far above the anonymous one (each load is at most one key update).
EMAIL_OPEN = RouteClass("email-open", (PerMinute(6000),))
# Credential endpoints are limited per address and per account name, whatever else the
# request carries (a valid token of one's own must not lift the limit on guessing another's
# password), on every surface: these routes and the graph's signIn.
CREDENTIAL_ROUTES = frozenset(
    (method, path)
    for method, path in PUBLIC_ROUTES
    if method == "POST" and path not in ("/v1/auth/logout",)
)
PER_ACCOUNT_NAME = RouteClass("credential-account", (PerMinute(10),))
_TIER_003 = {"free": (60, 10), "pro": (300, 50), "enterprise": (1000, 200)}
_PLAN_004 = {"starter": 1000, "pro": 5000, "premium": 10000}


def route_class(method: str, path: str, principal: Principal) -> RouteClass | None:
    """The documented limit of the route, or None where only the gateway budget applies."""
    if path.startswith("/api/marketing"):
        if path.startswith("/api/marketing/export/"):
            return RouteClass("000-export", (PerMinute(10),))
        if path == "/api/marketing/webhooks/register":
            return RouteClass("000-webhooks", (PerMinute(5),))
        return RouteClass("000-standard", (PerMinute(100),))
    if path.startswith("/api/v1"):
        if method == "POST" and path == "/api/v1/analytics/export":
            return RouteClass("002-export", (RateLimitItemPerDay(10),))
        if method == "POST" and path.endswith("/documents"):
            return RouteClass("002-upload", (RateLimitItemPerHour(50),))
        return RouteClass("002-general", (RateLimitItemPerHour(1000),))
    if path.startswith("/api/"):
        per_minute, burst = _TIER_003.get(principal.plan, _TIER_003["free"])
        return RouteClass(f"003-{principal.plan}", (PerMinute(per_minute), PerSecond(burst)))
    family = family_for(path)
    if family is not None and family.name == "social":
        hourly = _PLAN_004.get(principal.plan, _PLAN_004["starter"])
        return RouteClass(f"004-{principal.plan}", (RateLimitItemPerHour(hourly),))
    if path.startswith("/v1/"):
        if path == "/v1/data/upload":
            return RouteClass("001-upload", (PerMinute(100), PerSecond(10)))
        if path == "/v1/query/dashboard":
            return RouteClass("001-dashboard", (PerMinute(1000), PerSecond(50)))
        if path.startswith("/v1/metrics/"):
            return RouteClass("001-timeseries", (PerMinute(500), PerSecond(25)))
        if path.startswith("/v1/export/csv/"):
            return RouteClass("001-export", (PerMinute(10), PerSecond(2)))
        return RouteClass("001-general", (PerMinute(1000), PerSecond(100)))
    return None


def scaled(item: RateLimitItem, scale: float) -> RateLimitItem:
    if scale == 1:
        return item
    return type(item)(max(1, math.floor(item.amount * scale)), item.multiples)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds


class RateLimiter:
    def __init__(
        self,
        storage_uri: str,
        *,
        scale: float = 1.0,
        gateway_per_minute: int = 1000,
        key_prefix: str = "gateway",
        redis: Any = None,
    ) -> None:
        options: dict[str, Any] = {"key_prefix": key_prefix}
        if redis is not None:  # share the app's connection pool (closed with the app)
            options |= {"implementation": "redispy", "connection_pool": redis.connection_pool}
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri, **options))
        self.scale = scale
        self.gateway_budget = RouteClass("gateway", (PerMinute(gateway_per_minute),))
        self.storage_failures = 0

    async def check(self, route: RouteClass, identity: str) -> Verdict:
        """Spend one request from every limit of the class; the tightest verdict wins. The
        limits are independent keys, so their round trips to the storage overlap."""
        items = (
            route.limits
            if route is self.gateway_budget
            else [scaled(i, self.scale) for i in route.limits]
        )
        verdicts = await asyncio.gather(*(self._spend(i, route.name, identity) for i in items))
        return next((v for v in verdicts if not v.allowed), verdicts[0])

    async def _spend(self, item: RateLimitItem, name: str, identity: str) -> Verdict:
        allowed = await self._limiter.hit(item, name, identity)
        stats = await self._limiter.get_window_stats(item, name, identity)
        return Verdict(allowed, item.amount, max(0, stats.remaining), stats.reset_time)

    async def credential_attempt(self, address: str | None, account: str | None) -> Verdict:
        """Spend one attempt from the address's and the account name's budgets."""
        verdicts = [await self.check(ANONYMOUS, f"ip:{address}")]
        if account:
            verdicts.append(await self.check(PER_ACCOUNT_NAME, f"account:{account}"))
        return next((v for v in verdicts if not v.allowed), verdicts[0])

    async def spend(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        """Spend `cost` from a budget (the GraphQL query-cost budget uses this)."""
        try:
            return await self._limiter.hit(item, *identifiers, cost=cost)
        except Exception:
            self.storage_failures += 1
            log.warning("rate limit storage unavailable for a cost budget", exc_info=True)
            raise


async def apply_limits(
    limiter: RateLimiter, scope: Scope, receive: Receive
) -> tuple[Response | None, Receive, dict[str, str] | None]:
    """Spend the request's budgets: the refusal to send instead of the request (429, or 503
    where the storage is down and the route fails closed), the receive to read its body
    from afterwards, and the X-RateLimit headers its response carries (None when the
    storage is down and the route fails open)."""
    principal = scope.get("principal")
    method, path = scope["method"], scope["path"]
    checks: list[tuple[RouteClass, str]] = []
    if isinstance(principal, Principal):
        identity = f"{principal.kind}:{principal.subject}"
        rated = principal
        if family_for(path) is DASHBOARD:  # spec 003: the named workspace's tier
            rated, receive = await rated_principal(scope, receive, principal)
        documented = route_class(method, path, rated)
        checks = [(limiter.gateway_budget, identity)]
        checks += [(documented, identity)] if documented else []
    elif path.startswith("/webhooks/"):
        checks = [(CHANNEL_WEBHOOK, f"channel:{path}")]
    elif path == opens.PATH:
        checks = [(EMAIL_OPEN, f"ip:{client_address(scope)}")]
    elif (method, path) not in CREDENTIAL_ROUTES:
        checks = [(ANONYMOUS, f"ip:{client_address(scope)}")]
    account = None
    if (method, path) in CREDENTIAL_ROUTES:
        body, receive = await buffered_body(receive)
        account = account_name(body)
    try:
        verdicts = list(await asyncio.gather(*(limiter.check(route, i) for route, i in checks)))
        if (method, path) in CREDENTIAL_ROUTES:
            verdicts.append(await limiter.credential_attempt(client_address(scope), account))
    except Exception:  # the storage is unreachable: noisy, counted, and decided by route
        limiter.storage_failures += 1
        log.warning("rate limit storage unavailable on %s %s", method, path, exc_info=True)
        if must_fail_closed(method, path):  # whoever calls: a key, a token, nobody
            refusal = error_response(scope, 503, "Rate limiting unavailable; try again shortly")
            return refusal, receive, None
        return None, receive, None
    refused = next((v for v in verdicts if not v.allowed), None)
    headers = _headers(scope, refused or verdicts[-1])
    if refused is None:
        return None, receive, headers
    retry = max(1, math.ceil(refused.reset_at - time.time()))
    headers["Retry-After"] = str(retry)
    refusal = error_response(
        scope,
        429,
        f"Rate limit exceeded. Try again in {retry} seconds",
        retry_after=retry,
        headers=headers,
    )
    return refusal, receive, None


def account_name(body: bytes) -> str | None:
    """The account a credential request names (spec 001's username, the others' email)."""
    try:
        payload = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    name = payload.get("email", payload.get("username"))
    return name.strip().lower()[:320] if isinstance(name, str) and name.strip() else None


def _headers(scope: Scope, verdict: Verdict) -> dict[str, str]:
    family = family_for(scope["path"])
    reset = math.ceil(verdict.reset_at)
    reset_text = (
        datetime.fromtimestamp(reset, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if family is not None and family.reset_as_iso
        else str(reset)
    )
    return {
        "X-RateLimit-Limit": str(verdict.limit),
        "X-RateLimit-Remaining": str(verdict.remaining),
        "X-RateLimit-Reset": reset_text,
    }
