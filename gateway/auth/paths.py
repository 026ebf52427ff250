"""Which routes are public, and which issue credentials (those fail closed)."""

from __future__ import annotations

import re

# Routes anyone may call: token issuance (they check credentials themselves) and pages.
PUBLIC_ROUTES = frozenset(
    {
        ("GET", "/"),
        ("GET", "/healthz"),
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("GET", "/dashboard"),
        ("GET", "/metrics"),  # its own check: METRICS_ALLOW / METRICS_TOKEN
        ("POST", "/v1/auth/token"),
        ("POST", "/v1/auth/refresh"),
        ("POST", "/v1/auth/register"),
        ("POST", "/v1/auth/login"),
        ("POST", "/v1/auth/logout"),
        ("POST", "/api/v1/auth/refresh"),
        ("POST", "/api/auth/signin"),
        ("POST", "/api/auth/refresh"),
        # spec 003: the provider redirects a browser (no token; the state is the authority)
        ("GET", "/api/integrations/callback"),
        # spec 003: links in campaign emails (signed)
        ("GET", "/api/email/unsubscribe"),
        ("POST", "/api/email/unsubscribe"),
        # the open pixel in campaign emails (a signed token); a HEAD records nothing
        ("GET", "/api/email/open"),
        ("HEAD", "/api/email/open"),
    }
)

# Routes that decide access themselves (a signed link, or a principal when one is sent),
# the dashboard page's static files (the page signs in through /graphql), and spec 002's
# channel webhooks (the provider's signature or the widget visitor's token is the proof).
PUBLIC_PREFIXES = ("/files/", "/static/", "/webhooks/")

_CREDENTIAL_PATHS = re.compile(r"^/(v1/auth|api/v1/auth|api/auth)/|^/api/marketing/keys/")


def is_credential_path(path: str) -> bool:
    """Token and key endpoints: when a safeguard (Redis) is down they refuse to work."""
    return bool(_CREDENTIAL_PATHS.match(path))


def must_fail_closed(method: str, path: str) -> bool:
    """Credential endpoints and REST writes; reads (and /graphql) fail open."""
    if is_credential_path(path):
        return True
    return method not in ("GET", "HEAD", "OPTIONS") and path != "/graphql"
