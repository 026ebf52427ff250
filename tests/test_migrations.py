"""The migrations and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import models
from gateway.migrations import include_name


async def test_models_and_migrations_agree(engine):  # migrated by the `engine` fixture
    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": include_name,
            },
        )
        return compare_metadata(context, models.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == [], "run `make migration-reset` (or add a revision)"
