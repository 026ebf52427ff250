"""Files the gateway produces for a workspace (analytics exports): stored in PostgreSQL in
chunks, so every replica and worker can serve them and neither side holds a whole file in
memory; each has an expiry after which it is gone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, LargeBinary
from sqlmodel import Field

from models.base import TenantScoped, TimestampField, new_id, tenant_fk


class StoredFile(TenantScoped, table=True):
    __tablename__ = "stored_files"
    __table_args__ = (
        CheckConstraint("size_bytes >= 0", name="size_bytes"),
        Index(None, "expires_at"),
        Index(None, "id", unique=True),  # signed links name the file by id alone
    )

    id: str = Field(default_factory=lambda: new_id("file"), primary_key=True, max_length=64)
    # What produced it ("coaching_export", "organic_export" ...) and its download name.
    purpose: str = Field(max_length=64)
    filename: str = Field(max_length=255)
    media_type: str = Field(max_length=128)
    # The account that asked for it; with owner_only, nobody else may download it.
    owner_subject: str | None = Field(default=None, max_length=64)
    owner_only: bool = False
    size_bytes: int = 0
    sha256: str | None = Field(default=None, max_length=64)
    complete: bool = False  # set when its last chunk is written
    created_at: datetime = TimestampField(default_now=True)
    expires_at: datetime = TimestampField()


class StoredFileChunk(TenantScoped, table=True):
    __tablename__ = "stored_file_chunks"
    __table_args__ = (tenant_fk("file_id", "stored_files"),)

    file_id: str = Field(primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)
