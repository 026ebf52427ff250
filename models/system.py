"""Cross-domain tables: ingestion batches, webhooks and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import TenantScoped, TextArrayField, TimestampField, new_id


class IngestionBatch(TenantScoped, table=True):
    """One accepted upload. Its (workspace, batch_id) key makes re-sending a batch a no-op."""

    __tablename__ = "ingestion_batches"
    __table_args__ = (Index(None, "workspace_id", "created_at"),)

    batch_id: str = Field(primary_key=True, max_length=200)
    data_type: str = Field(max_length=64)
    # sha256 of the canonical payload: the same batch_id with other data is refused.
    fingerprint: str = Field(max_length=64)
    records_received: int
    records_inserted: int
    records_updated: int
    created_at: datetime = TimestampField(default_now=True)


class DataGeneration(TenantScoped, table=True):
    """How many times ingestion has written a data type in a workspace. Bumped in the same
    transaction as the rows, and part of every analytics cache key: a cached answer built
    before a write can never be served after it, on any replica."""

    __tablename__ = "data_generations"

    data_type: str = Field(primary_key=True, max_length=64)
    generation: int = Field(default=0, sa_type=BigInteger)


class DeferredIndex(SQLModel, table=True):
    """A secondary index a bulk load into empty tables dropped, to build it once the rows
    are in (gateway/deferred_indexes.py). Written in the transaction that drops it, so
    a load interrupted midway leaves the definition here: preparing the database (any
    `gateway` command, the app's start) builds it again."""

    __tablename__ = "deferred_indexes"

    index_name: str = Field(primary_key=True, max_length=63)
    table_name: str = Field(max_length=63)
    # CREATE INDEX ... exactly as pg_indexes showed it before the drop.
    definition: str = Field(sa_type=Text)


class Webhook(TenantScoped, table=True):
    __tablename__ = "webhooks"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'disabled')", name="status"),
        CheckConstraint("failure_count >= 0", name="failure_count"),
    )

    id: str = Field(default_factory=lambda: new_id("wh"), primary_key=True, max_length=64)
    url: str = Field(max_length=2048)
    events: list[str] = TextArrayField()
    secret: str = Field(max_length=256)
    status: str = Field(default="active", max_length=16)
    failure_count: int = 0
    last_triggered_at: datetime | None = TimestampField(default=None)
    created_at: datetime = TimestampField(default_now=True)


class ApiKey(SQLModel, table=True):
    """A marketing API key (`mk_live_...`): only its hash is stored; the prefix finds it."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("prefix"),)

    id: str = Field(default_factory=lambda: new_id("key"), primary_key=True, max_length=64)
    workspace_id: str = Field(foreign_key="workspaces.id", ondelete="CASCADE", index=True)
    name: str = Field(max_length=200)
    prefix: str = Field(max_length=32)
    key_hash: str = Field(max_length=200)
    scopes: list[str] = TextArrayField()
    ip_allowlist: list[str] = TextArrayField()
    created_by: str | None = Field(default=None, foreign_key="dashboard_accounts.id")
    created_at: datetime = TimestampField(default_now=True)
    last_used_at: datetime | None = TimestampField(default=None)
    revoked_at: datetime | None = TimestampField(default=None)


class TrustedDocument(SQLModel, table=True):
    """A GraphQL document an operator registered (`gateway trusted-documents add`): with
    PERSISTED_QUERIES=trusted only these run. Deployment-wide, like the schema itself, so
    not scoped to a workspace. Its key is the document's sha256 (hex), the same hash
    Apollo's persisted-query protocol sends."""

    __tablename__ = "trusted_documents"

    sha256: str = Field(primary_key=True, max_length=64)
    document: str
    name: str | None = Field(default=None, max_length=200)
    created_at: datetime = TimestampField(default_now=True)
