"""What the local sandbox adapters were asked to do (gateway/adapters/): the email they
would have sent, the post they would have published, the channel message they would have
delivered. The demo and the tests read it; a deployment with real adapters writes nothing
here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field

from models.base import JsonField, TenantScoped, TimestampField, new_id


class SandboxCall(TenantScoped, table=True):
    __tablename__ = "sandbox_calls"
    __table_args__ = (Index(None, "workspace_id", "adapter", "created_at"),)

    id: str = Field(default_factory=lambda: new_id("sbx"), primary_key=True, max_length=64)
    adapter: str = Field(max_length=64)  # "email", "social:twitter", "channel:whatsapp" ...
    action: str = Field(max_length=64)  # "send", "publish", "exchange_code" ...
    payload: dict[str, Any] = JsonField()
    outcome: dict[str, Any] = JsonField()
    created_at: datetime = TimestampField(default_now=True)
