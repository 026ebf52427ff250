"""What every table shares: tenant keys, id formats, timestamp and JSON column types."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKeyConstraint, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


# A random byte below 252 (7 x 36) names one of the 36 characters, each as likely as any other.
_ACCEPTED_BYTES = 252
_BYTE_TO_CHAR = (
    "".join(_ALPHABET[byte % 36] for byte in range(_ACCEPTED_BYTES))
    + "?" * (256 - _ACCEPTED_BYTES)  # never used: such bytes are redrawn
).encode()
_ENTROPY_BLOCK = 4096  # bytes of the OS's random source read at once


class _Entropy(threading.local):
    """The OS's random bytes, read a block at a time: one read per ~200 ids instead of one
    per id (a system call that was 5% of a cached request's CPU: every request writes an
    audit entry with an id). Per thread, and emptied in a forked child, so no two threads
    or processes ever hand out the same bytes."""

    def __init__(self) -> None:
        self.block = b""
        self.position = 0

    def take(self, count: int) -> bytes:
        if self.position + count > len(self.block):
            self.block = os.urandom(_ENTROPY_BLOCK)
            self.position = 0
        start = self.position
        self.position += count
        return self.block[start : self.position]


_entropy = _Entropy()


def _forget_parent_entropy() -> None:
    global _entropy
    _entropy = _Entropy()


os.register_at_fork(after_in_child=_forget_parent_entropy)


def new_id(prefix: str) -> str:
    """A prefixed id as the specs show them (`char_...`, `user_...`): 16 random base36 chars.

    16 random bytes from the OS's source, redrawn when one falls at or above 252, so every id
    is as likely as any other; a byte table turns them into characters at once."""
    while max(raw := _entropy.take(16)) >= _ACCEPTED_BYTES:
        pass
    return f"{prefix}_{raw.translate(_BYTE_TO_CHAR).decode()}"


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


def utcnow() -> datetime:
    return datetime.now(UTC)


def TimestampField(*, default_now: bool = False, index: bool = False, **kw: Any) -> Any:
    """A timestamptz column (every time in the gateway is timezone-aware)."""
    if default_now:
        kw["default_factory"] = utcnow
    return Field(sa_type=DateTime(timezone=True), index=index, **kw)


def JsonField(**kw: Any) -> Any:
    kw.setdefault("default_factory", dict)
    return Field(sa_type=JSONB, **kw)


def TextArrayField(**kw: Any) -> Any:
    kw.setdefault("default_factory", list)
    return Field(sa_type=ARRAY(Text), **kw)


def CounterField(**kw: Any) -> Any:
    """A rollup counter: 0 on both sides, so SQL inserts may leave it out."""
    return Field(default=0, sa_column_kwargs={"server_default": "0"}, **kw)


def tenant_fk(column: str, table: str, *, ondelete: str = "CASCADE") -> ForeignKeyConstraint:
    """A foreign key within one workspace: (workspace_id, column) -> table(workspace_id, id).

    Carrying workspace_id in every reference means no row can ever point at another
    workspace's data, whatever the code above it does.
    """
    return ForeignKeyConstraint(
        ["workspace_id", column], [f"{table}.workspace_id", f"{table}.id"], ondelete=ondelete
    )


class TenantScoped(SQLModel):
    """Every tenant-owned row: primary key (workspace_id, id)."""

    workspace_id: str = Field(
        primary_key=True, foreign_key="workspaces.id", ondelete="CASCADE", max_length=64
    )
