"""JWTs: HS256 only (the algorithm is fixed here, never read from the token), with exp,
iat, iss and aud required; access tokens are short-lived, refresh tokens carry a family."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

ALGORITHM = "HS256"
AUDIENCE = "marketing-graph-gateway"


class InvalidToken(Exception):
    """Missing, malformed, expired, wrongly signed, or of the wrong type."""


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime
    expires_in: int  # the token's lifetime in seconds, as the legacy responses report it


class TokenService:
    def __init__(self, *, secret: str, issuer: str, access_ttl: int, refresh_ttl: int) -> None:
        self._secret = secret
        self.issuer = issuer
        self.access_ttl = timedelta(seconds=access_ttl)
        self.refresh_ttl = timedelta(seconds=refresh_ttl)

    def _encode(self, claims: dict[str, Any], ttl: timedelta) -> IssuedToken:
        now = datetime.now(UTC)
        jti = uuid.uuid4().hex
        expires = now + ttl
        payload = {
            **claims,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
            "iss": self.issuer,
            "aud": AUDIENCE,
            "jti": jti,
        }
        token = jwt.encode(payload, self._secret, algorithm=ALGORITHM)
        return IssuedToken(token, jti, expires, int(ttl.total_seconds()))

    def access(
        self,
        *,
        account_id: str,
        email: str,
        role: str,
        subscription: str,
        workspace_id: str,
        plan: str = "free",
        family_id: str | None = None,
    ) -> IssuedToken:
        """Spec 004's access claims (sub, email, role, subscription, iat, exp, iss) plus the
        workspace the token acts in."""
        claims = {
            "sub": account_id,
            "email": email,
            "role": role,
            "subscription": subscription,
            "ws": workspace_id,
            "plan": plan,
            "fam": family_id,
            "type": "access",
        }
        return self._encode(claims, self.access_ttl)

    def refresh(self, *, account_id: str, workspace_id: str, family_id: str) -> IssuedToken:
        claims = {"sub": account_id, "ws": workspace_id, "fam": family_id, "type": "refresh"}
        return self._encode(claims, self.refresh_ttl)

    def decode(self, token: str, *, expected_type: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        if claims.get("type") != expected_type:
            raise InvalidToken(f"not an {expected_type} token")
        return claims
