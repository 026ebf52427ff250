"""JSON values that arrive already encoded (built by PostgreSQL) or that are built only when
asked for.

A field of the `JSON` scalar may hold an `EncodedJSON`. The compiled read path and the REST
mappers embed its bytes in the answer as they are (orjson.Fragment): a 600 KB series is never
decoded into Python objects and encoded again. The executor, which needs plain values,
decodes it through the schema's JSON scalar (`JSON_SCALAR`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import strawberry
from strawberry.scalars import JSON

_UNSET: Any = object()


class EncodedJSON:
    """One JSON value: its text, or a function that builds the value on first use."""

    __slots__ = ("_build", "_text", "_value")

    def __init__(
        self, text: str | bytes | None = None, *, build: Callable[[], Any] | None = None
    ) -> None:
        assert (text is None) != (build is None), "a text or a builder, not both"
        self._text = text.encode() if isinstance(text, str) else text
        self._build = build
        self._value = _UNSET

    def decoded(self) -> Any:
        if self._value is _UNSET:
            self._value = orjson.loads(self._text) if self._text is not None else self._build()  # type: ignore[misc]
        return self._value

    def encoded(self) -> bytes:
        if self._text is None:
            self._text = orjson.dumps(self.decoded())
        return self._text

    def fragment(self) -> orjson.Fragment:
        return orjson.Fragment(self.encoded())


def plain(value: Any) -> Any:
    """`value` with any EncodedJSON decoded (what the executor sends)."""
    return value.decoded() if isinstance(value, EncodedJSON) else value


# Strawberry's own JSON scalar (same name, description and specification), serialising
# EncodedJSON values for the executor's path.
JSON_SCALAR = strawberry.scalar(
    name="JSON",
    description=(
        "The `JSON` scalar type represents JSON values as specified by "
        "[ECMA-404]"
        "(https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf)."
    ),
    specified_by_url=(
        "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
    ),
    serialize=plain,
    parse_value=lambda v: v,
)
SCALAR_OVERRIDES = {JSON: JSON_SCALAR}
