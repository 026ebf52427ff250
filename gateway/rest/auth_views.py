"""What the token endpoints of every family share: request bodies and the refresh header."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from starlette.responses import Response

from gateway.auth.sessions import TokenPair

# The rotated refresh token travels in this header: no documented response body has a
# place for it, and the bodies must stay exactly as documented.
REFRESH_HEADER = "X-Refresh-Token"


def _known_timezone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError(f"unknown timezone '{value}'")
    return value


# An IANA timezone name (workspace settings, profiles), refused with a clear message.
Timezone = Annotated[str, AfterValidator(_known_timezone)]


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Credentials(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


def with_refresh(response: Response, pair: TokenPair) -> Response:
    response.headers[REFRESH_HEADER] = pair.refresh.token
    return response
