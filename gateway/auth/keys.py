"""Marketing API keys (spec 000): `mk_live_<32 random>`, shown once, stored as a SHA-256
hash (a 190-bit random key needs no slow hash) beside a non-secret lookup prefix."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.principal import KEY_SCOPES, Principal
from models.system import ApiKey
from models.tenancy import Workspace

KEY_PREFIX = "mk_live_"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_LOOKUP_CHARS = 8
# last_used_at is written at most this often per key, not on every request.
_LAST_USED_GRANULARITY = timedelta(minutes=1)


class KeyRejected(Exception):
    def __init__(self, reason: str, status: int = 401) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class NewKey:
    secret: str  # shown once
    row: ApiKey


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def validate_allowlist(entries: Sequence[str]) -> list[str]:
    """Addresses or CIDR ranges, normalised; raises ValueError naming a bad entry."""
    normalised = []
    for entry in entries:
        try:
            normalised.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
        except ValueError:
            raise ValueError(f"'{entry}' is not an IP address or CIDR range") from None
    return normalised


def validate_scopes(requested: Sequence[str], granter: Principal) -> list[str]:
    unknown = sorted(set(requested) - KEY_SCOPES)
    if unknown:
        raise ValueError(f"unknown permission(s): {', '.join(unknown)}")
    beyond = sorted(set(requested) - granter.scopes)
    if beyond:
        raise PermissionError(f"you cannot grant permission(s) you lack: {', '.join(beyond)}")
    return sorted(set(requested))


async def create_key(
    session: AsyncSession,
    *,
    workspace_id: str,
    name: str,
    scopes: list[str],
    ip_allowlist: list[str],
    created_by: str | None,
) -> NewKey:
    secret = KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(32))
    row = ApiKey(
        workspace_id=workspace_id,
        name=name,
        prefix=secret[: len(KEY_PREFIX) + _LOOKUP_CHARS],
        key_hash=_hash(secret),
        scopes=scopes,
        ip_allowlist=ip_allowlist,
        created_by=created_by,
    )
    session.add(row)
    await session.flush()
    return NewKey(secret, row)


def _allowed(client: str | None, allowlist: Sequence[str]) -> bool:
    if not allowlist:
        return True
    if client is None:
        return False
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(entry, strict=False) for entry in allowlist)


async def authenticate_key(session: AsyncSession, secret: str, client: str | None) -> Principal:
    """One query: the key by its prefix, with its workspace's plan (for rate limits)."""
    found = (
        await session.execute(
            select(ApiKey, Workspace.subscription)
            .join(Workspace, Workspace.id == ApiKey.workspace_id)
            .where(ApiKey.prefix == secret[: len(KEY_PREFIX) + _LOOKUP_CHARS])
        )
    ).first()
    if found is None or not hmac.compare_digest(found[0].key_hash, _hash(secret)):
        raise KeyRejected("Invalid or expired API key")
    row, plan = found
    if row.revoked_at is not None:
        raise KeyRejected("This API key has been revoked")
    if not _allowed(client, row.ip_allowlist):
        raise KeyRejected("This API key may not be used from this address", status=403)
    now = datetime.now(UTC)
    if row.last_used_at is None or now - row.last_used_at > _LAST_USED_GRANULARITY:
        await session.execute(update(ApiKey).where(ApiKey.id == row.id).values(last_used_at=now))
        await session.commit()
    return Principal(
        workspace_id=row.workspace_id,
        subject=row.id,
        kind="api_key",
        role="member" if any(s.startswith("write:") for s in row.scopes) else "viewer",
        scopes=frozenset(row.scopes),
        plan=plan or "free",
    )


async def revoke_key(session: AsyncSession, *, workspace_id: str, key_id: str) -> bool:
    result = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.workspace_id == workspace_id, ApiKey.id == key_id, ApiKey.revoked_at.is_(None)
        )
        .values(revoked_at=datetime.now(UTC))
    )
    return result.rowcount > 0
