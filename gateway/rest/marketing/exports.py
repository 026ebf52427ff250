"""Spec 000 exports (section 10): JSON or CSV, streamed in keyset batches so a large export
never sits in memory. Protocol-specific (streaming), so these read models/analytics/exports
directly, under the same route declarations, scopes and parameter validation."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

from gateway.rest.envelopes import Marketing, iso_millis
from gateway.rest.marketing.params import ALL, YEAR, params
from gateway.rest.routing import Call, RestError, RestRoute
from models.analytics import exports
from models.analytics.window import PERIOD_DAYS, money
from resolvers.analytics_base import frame_for

_FORMAT = (("json", "csv"), "json")
_FIELDS = {"fields": (str | None, None)}


def _ms(value: Any) -> str | None:
    return iso_millis(value) if value is not None else None


USER_FIELDS: dict[str, Callable[[Any], Any]] = {
    "userId": lambda r: r.id,
    "registeredAt": lambda r: _ms(r.created_at),
    "language": lambda r: r.language,
    "isPremium": lambda r: r.is_premium,
    "totalMessages": lambda r: r.messages,
    "totalImages": lambda r: r.images,
    "favoriteCharacters": lambda r: r.favorites,
    "lastActiveAt": lambda r: _ms(r.last_active_at),
}
PERSONAL_FIELDS: dict[str, Callable[[Any], Any]] = {"email": lambda r: r.email}

CHARACTER_FIELDS: dict[str, Callable[[Any], Any]] = {
    "characterId": lambda r: r.id,
    "name": lambda r: r.name,
    "creatorId": lambda r: r.creator_id,
    "category": lambda r: r.category,
    "tags": lambda r: r.tags,
    "isNsfw": lambda r: r.is_nsfw,
    "isPublic": lambda r: r.is_public,
    "totalMessages": lambda r: r.messages,
    "uniqueUsers": lambda r: r.users,
    "favorites": lambda r: r.favorites,
    "createdAt": lambda r: _ms(r.created_at),
}

TRANSACTION_FIELDS: dict[str, Callable[[Any], Any]] = {
    "transactionId": lambda r: r.id,
    "userId": lambda r: r.user_id,
    "type": lambda r: r.type,
    "amount": lambda r: money(r.amount),
    "currency": lambda r: r.currency,
    "status": lambda r: r.status,
    "createdAt": lambda r: _ms(r.created_at),
}
_BY_TYPE = {"subscription": "subscriptions", "point_purchase": "pointPurchases", "tip": "tips"}


def _choose(call: Call, available: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    """The requested `fields` (default: all but personal data), validated."""
    if not call.params.fields:
        return available
    names = [n.strip() for n in call.params.fields.split(",") if n.strip()]
    unknown = [n for n in names if n not in available and n not in personal]
    if unknown or not names:
        allowed = ", ".join([*available, *personal])
        raise RestError(
            400,
            "BAD_REQUEST",
            f"Unknown field(s) {', '.join(unknown)}; allowed: {allowed}",
            {"field": "fields", "unknown": unknown},
        )
    if any(n in personal for n in names) and not call.principal.can("read:users"):
        raise RestError(403, "FORBIDDEN", "Personal data (email) needs the 'read:users' scope")
    both = available | personal
    return {n: both[n] for n in names}


def _csv_lines(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for values in rows:
        writer.writerow(
            ["|".join(v) if isinstance(v, list) else "" if v is None else v for v in values]
        )
    return out.getvalue()


def export(
    key: str, sql: str, available: dict[str, Any], personal: dict[str, Any], summary: bool = False
) -> Callable[[Call], Any]:
    async def handler(call: Call) -> Response:
        fields = _choose(call, available, personal)
        frame = await frame_for(call.context)
        window = frame.last_days(PERIOD_DAYS[call.params.period])
        exported_at = iso_millis(frame.now)

        async def batches() -> AsyncIterator[list[Any]]:
            async with call.context.sessions() as session:
                async for batch in exports.batches(session, sql, window):
                    yield batch

        if call.params.format == "csv":

            async def lines() -> AsyncIterator[str]:
                header = _csv_lines([list(fields)])
                async for batch in batches():
                    yield header + _csv_lines([[get(r) for get in fields.values()] for r in batch])
                    header = ""
                if header:  # no rows: the header alone
                    yield header

            filename = f"{key}-{frame.today.isoformat()}.csv"
            return StreamingResponse(
                lines(),
                media_type="text/csv",
                headers={"content-disposition": f'attachment; filename="{filename}"'},
            )

        async def body() -> AsyncIterator[bytes]:
            # The envelope's opening goes out with the first batch: the first chunk a client
            # gets already holds rows.
            opening = b'{"success":true,"data":{"' + key.encode() + b'":['
            count, completed = 0, 0
            # Summed as stored (exact decimals), rounded once at the end.
            revenue, by_type = Decimal(0), dict.fromkeys(_BY_TYPE.values(), Decimal(0))
            async for batch in batches():
                items = b",".join(
                    orjson.dumps({name: get(row) for name, get in fields.items()}) for row in batch
                )
                yield opening + (b"," if count else b"") + items
                opening = b""
                count += len(batch)
                if summary:
                    for row in batch:
                        if row.status == "completed":
                            completed += 1
                            revenue += row.amount
                            by_type[_BY_TYPE[row.type]] += row.amount
            tail: dict[str, Any] = {"totalRecords": count}
            if summary:
                # The summary counts what it sums: completed transactions (the list
                # holds every status).
                tail = {
                    "summary": {
                        "totalTransactions": completed,
                        "totalRevenue": money(float(revenue)),
                        "byType": {k: money(float(v)) for k, v in by_type.items()},
                    }
                }
            yield opening + b"]," + orjson.dumps({**tail, "exportedAt": exported_at})[1:] + b"}"

        return StreamingResponse(body(), media_type="application/json")

    return handler


def _route(
    path: str,
    summary: str,
    scope: str,
    handler: Any,
    periods: tuple[str, ...],
    stands_for: tuple[str, str],
) -> RestRoute:
    """An export needs its own scope and that of the graph's list of the same rows (users'
    personal data needs read:users there, so it does here)."""
    query = params(
        f"Export{path.title().replace('/', '')}Query",
        period=(periods, "30d"),
        format=_FORMAT,
        **_FIELDS,
    )
    return RestRoute(
        method="GET",
        path=f"/api/marketing/export/{path}",
        summary=summary,
        tag="Export",
        envelope=Marketing,
        scopes=(scope,),
        params=query,
        handler=handler,
        stands_for=stands_for,
    )


ROUTES = [
    _route(
        "users",
        "Export user data",
        "read:analytics",
        export("users", exports.USERS, USER_FIELDS, PERSONAL_FIELDS),
        ALL,
        ("query", "platformUsers"),
    ),
    _route(
        "characters",
        "Export character data",
        "read:characters",
        export("characters", exports.CHARACTERS, CHARACTER_FIELDS, {}),
        ALL,
        ("query", "characters"),
    ),
    _route(
        "revenue",
        "Export revenue data",
        "read:revenue",
        export("transactions", exports.TRANSACTIONS, TRANSACTION_FIELDS, {}, summary=True),
        YEAR,
        ("query", "transactions"),
    ),
]
