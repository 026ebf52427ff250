"""Spec 004's WebSocket at /v1/ws: `?token=<access token or API key>` or a first message
`{"type": "auth", "token": ...}`, then agent_update, metrics_update, post_status,
campaign_update and notification messages, each `{"type": ..., "data": {...}}` with `data`
exactly as the spec shows it (the event payload, recorded in that shape).

metrics_update carries `{metric, value, change, timestamp}` for the workspace's headline
metrics (snake_case names: total_users, total_messages, spec 004's engagement_rate, and
revenue with read:revenue),
recomputed by the shared metric multiplexer every LEGACY_METRICS_PERIOD seconds and sent
on change. Close codes: 4401 no valid credential (a failed one at once, none within
AUTH_TIMEOUT seconds), 4008 too slow, 1001 shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.auth.middleware import authenticate_token, client_address
from gateway.principal import Principal
from subscriptions.events import iso
from subscriptions.hub import SubscriberDropped

# Each message's `data` keys in the order spec 004 prints them (JSONB storage sorts keys).
KEY_ORDER = {
    "agent_update": (
        "agentId",
        "efficiency",
        "status",
        "currentTask",
        "progress",
        "estimatedCompletion",
    ),
    "post_status": ("postId", "status", "publishedAt", "platform"),
    "campaign_update": ("campaignId", "performance", "timestamp"),
    "notification": ("id", "title", "message", "type", "actionUrl", "timestamp"),
    "performance": ("impressions", "clicks", "spent"),
}
LEGACY_TYPES = tuple(t for t in KEY_ORDER if t != "performance")
LEGACY_METRICS = {
    "totalUsers": "total_users",
    "totalMessages": "total_messages",
    "revenue": "revenue",
    "engagementRate": "engagement_rate",
}
LEGACY_METRICS_PERIOD = 5
AUTH_TIMEOUT = 10.0
UNAUTHORIZED = 4401


async def endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    settings = websocket.app.state.settings
    principal = await _authenticate(websocket, settings)
    if principal is None:
        await websocket.close(code=UNAUTHORIZED, reason="Unauthorized")
        return
    live = websocket.app.state.live
    subscriber = live.hub.subscribe(
        principal.workspace_id, types=LEGACY_TYPES, scopes=principal.scopes
    )
    tasks = [
        asyncio.create_task(_forward_events(websocket, subscriber)),
        asyncio.create_task(_forward_metrics(websocket, live.metrics, principal)),
        asyncio.create_task(_drain(websocket)),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if isinstance(error, SubscriberDropped):
                await websocket.close(code=error.code, reason=error.reason)
    finally:
        live.hub.remove(subscriber)
        for task in tasks:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task


async def _authenticate(websocket: WebSocket, settings: Any) -> Principal | None:
    """`?token=` (already checked by the authentication middleware), else the first
    `{"type": "auth", "token": ...}` message within AUTH_TIMEOUT."""
    principal = websocket.scope.get("principal")
    if isinstance(principal, Principal):
        return principal
    if websocket.scope.get("auth_problem") is not None:
        return None  # a ?token= that failed: no second chance on this connection
    state = websocket.app.state
    try:
        async with asyncio.timeout(AUTH_TIMEOUT):
            while True:
                message = orjson.loads(await websocket.receive_text())
                if isinstance(message, dict) and message.get("type") == "auth":
                    outcome = await authenticate_token(
                        str(message.get("token", "")),
                        state=state,
                        client=client_address(websocket.scope),
                    )
                    return outcome if isinstance(outcome, Principal) else None
    except (TimeoutError, WebSocketDisconnect, orjson.JSONDecodeError):
        return None


async def _send(websocket: WebSocket, message_type: str, data: Any) -> None:
    await websocket.send_text(orjson.dumps({"type": message_type, "data": data}).decode())


async def _forward_events(websocket: WebSocket, subscriber: Any) -> None:
    async for event in subscriber:
        await _send(websocket, event.type, _ordered(event.payload, event.type))


def _ordered(data: Any, key: str) -> Any:
    if not isinstance(data, dict):
        return data
    order = KEY_ORDER.get(key, ())
    keys = [k for k in order if k in data] + [k for k in data if k not in order]
    return {k: _ordered(data[k], k) for k in keys}


async def _forward_metrics(websocket: WebSocket, metrics: Any, principal: Principal) -> None:
    names = [m for m in LEGACY_METRICS if m != "revenue" or principal.can("read:revenue")]
    if not principal.can("read:analytics"):
        await asyncio.Future()  # nothing to send; wait with the other tasks
    async for values in metrics.watch(principal.workspace_id, names, LEGACY_METRICS_PERIOD):
        for value in values:
            data = {
                "metric": LEGACY_METRICS[value.metric],
                "value": value.value,
                "change": value.change,
                "timestamp": iso(value.timestamp.replace(microsecond=0)),
            }
            await _send(websocket, "metrics_update", data)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) client messages until the client goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
