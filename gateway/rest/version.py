"""X-API-Version on every response of a family that documents one (spec 003: `1.0.0`),
errors from the authentication and rate-limit steps included (gateway/pipeline.py sets it)."""

from __future__ import annotations

from gateway.rest.families import family_for


def api_version_for(path: str) -> str | None:
    family = family_for(path)
    return family.version if family is not None else None
