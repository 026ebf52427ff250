"""Bring a database to the state the gateway expects: migrated, default workspace present."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import deferred_indexes, migrations
from gateway.jobs import apply_schema as apply_job_schema
from gateway.settings import Settings
from models.tenancy import Workspace


async def prepare_database(engine: AsyncEngine, settings: Settings) -> None:
    await migrations.upgrade(engine)
    await apply_job_schema(engine)  # procrastinate's own schema (gateway/jobs/engine.py)
    # Indexes a bulk load dropped and was stopped before building again.
    await deferred_indexes.restore(engine)
    async with engine.begin() as connection:
        await connection.execute(
            pg_insert(Workspace)
            .values(
                id=settings.default_workspace_id,
                name="Default workspace",
                slug=settings.default_workspace_id.replace("_", "-"),
                settings={"timezone": "UTC", "currency": "USD"},
                subscription="free",
            )
            .on_conflict_do_nothing()
        )
