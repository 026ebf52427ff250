"""GraphQL-over-HTTP response negotiation: the media type a client accepts, and the status
code and body shape that media type calls for.

- `application/graphql-response+json` (when the Accept header prefers or ties it): a request
  error (the document did not parse or validate, or the variables did not coerce: nothing
  executed) answers 400; an executed operation answers 200, field errors or not.
- `application/json` (the default, and for `*/*`): 200 for every well-formed request, as the
  spec says a server SHOULD for that legacy media type.
- Either way, a request that never executed has no `data` entry at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLError

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str:
    """The response media type for an Accept header (application/json unless the client
    ranks application/graphql-response+json at least as high)."""
    ranked = _qualities(accept or "")
    if not ranked:
        return JSON
    modern = _quality(ranked, GRAPHQL_RESPONSE, explicit_only=True)
    legacy = _quality(ranked, JSON)
    return GRAPHQL_RESPONSE if modern > 0 and modern >= legacy else JSON


def executed(data: Any, errors: Sequence[GraphQLError] | None) -> bool:
    """Whether execution started: it did when there is data, or a field error (one with a
    path); parse, validation and variable errors have no path and no data."""
    return data is not None or any(error.path for error in errors or ())


def status_for(media_type: str, did_execute: bool) -> int:
    if media_type == GRAPHQL_RESPONSE and not did_execute:
        return 400
    return 200


def shape(body: dict[str, Any], did_execute: bool) -> dict[str, Any]:
    """A request error's body has `errors` (and maybe `extensions`) but no `data` entry."""
    if not did_execute:
        body.pop("data", None)
    return body


def _qualities(accept: str) -> list[tuple[str, float]]:
    ranked = []
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((media.lower(), quality))
    return ranked


def _quality(
    ranked: list[tuple[str, float]], media_type: str, explicit_only: bool = False
) -> float:
    kind = media_type.split("/")[0] + "/*"
    exact = [q for media, q in ranked if media == media_type]
    if exact:
        return max(exact)
    if explicit_only:
        return 0.0
    wild = [q for media, q in ranked if media in (kind, "*/*")]
    return max(wild) if wild else 0.0
