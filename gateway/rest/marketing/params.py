"""Spec 000's query parameters, validated as documented (a bad value answers 400), and
their GraphQL variables."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

SHORT = ("7d", "30d", "90d")
YEAR = (*SHORT, "365d")
ALL = (*SHORT, "all")
EVERY = (*YEAR, "all")
DWM = ("day", "week", "month")

_PERIOD_ENUM = {
    "7d": "LAST_7_DAYS",
    "30d": "LAST_30_DAYS",
    "90d": "LAST_90_DAYS",
    "365d": "LAST_365_DAYS",
    "all": "ALL_TIME",
}
_NSFW_ENUM = {"all": "ALL", "true": "NSFW_ONLY", "false": "SFW_ONLY"}


class _Params(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


def params(name: str, **choices: Any) -> type[BaseModel]:
    """A query schema: tuples become enumerations (first value... see defaults below)."""
    fields: dict[str, Any] = {}
    for key, spec in choices.items():
        if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], tuple):
            values, default = spec
            fields[key] = (Literal[values], Field(default=default))  # type: ignore[valid-type]
        else:
            fields[key] = spec
    return create_model(name, __base__=_Params, **fields)


# Every integer parameter has both bounds (they are in /openapi.json); a page past the last
# answers an empty list, a page past this is refused with 400.
MAX_PAGE = 100_000


def page_fields(sorts: tuple[str, ...], default_sort: str) -> dict[str, Any]:
    return {
        "sortBy": (Literal[sorts], Field(default=default_sort)),  # type: ignore[valid-type]
        "limit": (int, Field(default=20, ge=1, le=100)),
        "page": (int, Field(default=1, ge=1, le=MAX_PAGE)),
    }


def variables(p: BaseModel) -> dict[str, Any]:
    """GraphQL variables from validated parameters (enums by their GraphQL names)."""
    values = p.model_dump()
    result: dict[str, Any] = {}
    for key, value in values.items():
        if key == "period":
            result[key] = _PERIOD_ENUM[value]
        elif key == "nsfw":
            result[key] = _NSFW_ENUM[value]
        elif key in {"granularity", "sortBy", "cohort"}:
            result[key] = value.upper()
        elif key in {"limit", "page"}:
            result[key] = value
    return result
