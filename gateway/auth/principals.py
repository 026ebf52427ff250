"""A bearer credential becomes a Principal resolved against what is live in PostgreSQL.

An access token names an account and a workspace; the principal is what the database says
now: the account exists, it is still a member, with the role it has today (a demoted owner
gets a viewer's scopes), and neither the token (jti) nor its login (refresh family) has been
revoked. An API key must exist, be unrevoked and be used from its allow-list. One statement
resolves either, and the answer is cached briefly (gateway/auth/principal_cache.py, which
also states the bound on how long a revoked or demoted principal keeps working).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from gateway.auth.keys import (
    KeyRejected,
    find_key,
    key_fingerprint,
    key_principal,
    looks_like_key,
    needs_touch,
    touch_key,
)
from gateway.auth.principal_cache import (
    PrincipalCache,
    account_tag,
    key_tag,
    token_tag,
    workspace_tag,
)
from gateway.auth.tokens import InvalidToken, TokenService
from gateway.database import read_sessions
from gateway.principal import ROLE_SCOPES, Principal


@dataclass(frozen=True)
class Problem:
    status: int
    message: str


_MEMBERSHIP = text(
    """
SELECT m.role, a.email, w.subscription,
       EXISTS (SELECT 1 FROM token_revocations r WHERE r.token_id IN (:jti, :family)) AS revoked
FROM workspace_members m
JOIN dashboard_accounts a ON a.id = m.account_id
JOIN workspaces w ON w.id = m.workspace_id
WHERE m.account_id = :account AND m.workspace_id = :workspace
"""
)

_GONE = Problem(401, "This account no longer has access to this workspace")
_REVOKED = Problem(401, "This token has been revoked")
_INVALID_KEY = Problem(401, "Invalid or expired API key")


class PrincipalResolver:
    def __init__(self, tokens: TokenService, cache: PrincipalCache) -> None:
        self.tokens = tokens
        self.cache = cache

    async def resolve(
        self, token: str, *, sessions: Any, client: str | None
    ) -> Principal | Problem:
        """The principal of a bearer credential, or why not. A database that cannot answer
        raises (the caller answers 503)."""
        if looks_like_key(token):
            return await self._key(token, sessions, client)
        try:
            claims = self.tokens.decode(token, expected_type="access")
        except InvalidToken:
            return Problem(401, "Invalid or expired token")
        if not isinstance(claims.get("ws"), str) or not isinstance(claims.get("sub"), str):
            return Problem(401, "Invalid or expired token")
        key = ("access", claims["jti"])
        cached = self.cache.get(key)
        if cached is None:
            cached = await self._account(claims, sessions)
            tags = [
                token_tag(claims["jti"]),
                account_tag(claims["sub"]),
                workspace_tag(claims["ws"]),
            ]
            if isinstance(claims.get("fam"), str):
                tags.append(token_tag(claims["fam"]))
            self.cache.put(key, cached, tags)
        return cached

    async def _account(self, claims: dict[str, Any], sessions: Any) -> Principal | Problem:
        family = claims.get("fam") if isinstance(claims.get("fam"), str) else None
        # autocommit: one round trip instead of BEGIN, the statement and ROLLBACK
        async with read_sessions(sessions)() as session:
            row = (
                await session.execute(
                    _MEMBERSHIP,
                    {
                        "account": claims["sub"],
                        "workspace": claims["ws"],
                        "jti": claims["jti"],
                        "family": family or claims["jti"],
                    },
                )
            ).first()
        if row is None:
            return _GONE
        if row.revoked:
            return _REVOKED
        return Principal(
            workspace_id=claims["ws"],
            subject=claims["sub"],
            kind="account",
            role=row.role,
            scopes=ROLE_SCOPES.get(row.role, frozenset()),
            email=row.email,
            plan=row.subscription or "free",
            token_id=claims["jti"],
            token_family=family,
        )

    async def _key(self, secret: str, sessions: Any, client: str | None) -> Principal | Problem:
        key = ("api_key", key_fingerprint(secret))
        record = self.cache.get(key)
        if record is None:
            async with read_sessions(sessions)() as session:
                record = await find_key(session, secret)
            if record is None:
                return _INVALID_KEY  # not cached: a made-up key costs its own lookup
            self.cache.put(key, record, [key_tag(record.id), workspace_tag(record.workspace_id)])
        try:
            principal = key_principal(record, client)
        except KeyRejected as exc:
            return Problem(exc.status, str(exc))
        if needs_touch(record):
            async with sessions() as session:
                await touch_key(session, record)
        return principal
