"""PostgreSQL outages: recognised wherever they surface, answered 503 with Retry-After in the
caller's format (never a 500, and the HTTP connection stays open), and left to heal by
themselves: the pool drops a broken connection and opens a new one on a later request.

An outage that escapes a handler (or the authentication step) becomes 503 in the request
pipeline (gateway/pipeline.py). Handled there, the error never reaches Starlette's
server-error layer, which would re-raise it and make the server close the client's
connection."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc
from starlette.responses import Response
from starlette.types import Scope

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable; try again shortly"

# Errors that mean "no usable connection to the server", not "this statement is wrong".
_UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, broken pipe
    TimeoutError,  # connect timeout
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,  # the server is shutting down (57P01)
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or in recovery (57P03)
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.InterfaceError,  # "connection is closed"
    sa_exc.TimeoutError,  # the pool had no connection to give in time
)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or an error it wraps) says PostgreSQL could not be reached."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, _UNREACHABLE):
            return True
        if isinstance(error, OSError) and error.errno is not None:
            return True  # a socket-level failure reaching the server
        original = getattr(error, "orig", None)
        error = original if isinstance(original, BaseException) else error.__cause__
        seen += 1
    return False


def unavailable_response(scope: Scope) -> Response:
    from gateway.errors import error_response

    return error_response(
        scope,
        503,
        MESSAGE,
        retry_after=RETRY_AFTER_SECONDS,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
