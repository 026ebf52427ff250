"""What every table shares: tenant keys, id formats, timestamp and JSON column types."""

from __future__ import annotations

import secrets
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


_ID_SPACE = 36**16
_ID_BITS = _ID_SPACE.bit_length()


def new_id(prefix: str) -> str:
    """A prefixed id as the specs show them (`char_...`, `user_...`): 16 random base36 chars.

    One draw of random bits per id (redrawn when it falls outside 36**16, so every id is as
    likely as any other): a `secrets.choice` per character read the OS's random source 16
    times, and every request writes an audit entry with an id."""
    while (number := secrets.randbits(_ID_BITS)) >= _ID_SPACE:
        pass
    chars = []
    for _ in range(16):
        number, digit = divmod(number, 36)
        chars.append(_ALPHABET[digit])
    return f"{prefix}_{''.join(chars)}"


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
