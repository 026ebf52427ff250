"""Marketing API keys (spec 000): `mk_live_<32 random>`, shown once, stored as a SHA-256
hash (a 190-bit random key needs no slow hash) beside a non-secret lookup prefix."""

from __future__ import annotations

import functools
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


@dataclass
class KeyRecord:
    """What authenticating a key needs, as the principal cache keeps it."""

    id: str
    workspace_id: str
    scopes: tuple[str, ...]
    ip_allowlist: tuple[str, ...]
    plan: str
    revoked: bool
    last_used_at: datetime | None


def key_fingerprint(secret: str) -> str:
    """The cache key of a secret (never the secret itself)."""
    return _hash(secret)


async def find_key(session: AsyncSession, secret: str) -> KeyRecord | None:
    """One query: the key by its prefix, with its workspace's plan (for rate limits)."""
    found = (
        await session.execute(
            select(ApiKey, Workspace.subscription)
            .join(Workspace, Workspace.id == ApiKey.workspace_id)
            .where(ApiKey.prefix == secret[: len(KEY_PREFIX) + _LOOKUP_CHARS])
        )
    ).first()
    if found is None or not hmac.compare_digest(found[0].key_hash, _hash(secret)):
        return None
    row, plan = found
    return KeyRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        scopes=tuple(row.scopes),
        ip_allowlist=tuple(row.ip_allowlist),
        plan=plan or "free",
        revoked=row.revoked_at is not None,
        last_used_at=row.last_used_at,
    )


def key_principal(record: KeyRecord, client: str | None) -> Principal:
    """The principal of a found key used from `client`, or KeyRejected."""
    if record.revoked:
        raise KeyRejected("This API key has been revoked")
    if not _allowed(client, record.ip_allowlist):
        raise KeyRejected("This API key may not be used from this address", status=403)
    return Principal(
        workspace_id=record.workspace_id,
        subject=record.id,
        kind="api_key",
        role="member" if any(s.startswith("write:") for s in record.scopes) else "viewer",
        scopes=_scope_set(record.scopes),
        plan=record.plan,
    )


@functools.lru_cache(maxsize=4096)
def _scope_set(scopes: tuple[str, ...]) -> frozenset[str]:
    """One frozenset per distinct list of scopes, shared by every principal of a key: a
    WebSocket keeps its principal for as long as it is open, and 10,000 copies of the
    same set of scopes were 7 MB."""
    return frozenset(scopes)


def needs_touch(record: KeyRecord) -> bool:
    """last_used_at is written at most once a minute per key, not on every request."""
    last = record.last_used_at
    return last is None or datetime.now(UTC) - last > _LAST_USED_GRANULARITY


async def touch_key(session: AsyncSession, record: KeyRecord) -> None:
    now = datetime.now(UTC)
    record.last_used_at = now
    await session.execute(update(ApiKey).where(ApiKey.id == record.id).values(last_used_at=now))
    await session.commit()


async def revoke_key(session: AsyncSession, *, workspace_id: str, key_id: str) -> bool:
    result = await session.execute(
        update(ApiKey)
        .where(
            ApiKey.workspace_id == workspace_id, ApiKey.id == key_id, ApiKey.revoked_at.is_(None)
        )
        .values(revoked_at=datetime.now(UTC))
    )
    return result.rowcount > 0
