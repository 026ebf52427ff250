"""Run Alembic programmatically (the CLI, the demo, the app and the tests share this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "models" / "migrations"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Procrastinate's tables are its own (applied by its schema applier), not our models'."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to `revision`; serialised by an advisory lock across processes."""
    config = alembic_config()
    async with engine.begin() as connection:
        await connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7247001)")

        def _upgrade(sync_connection: object) -> None:
            config.attributes["connection"] = sync_connection
            command.upgrade(config, revision)

        await connection.run_sync(_upgrade)


async def autogenerate(engine: AsyncEngine, message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    config = alembic_config()
    async with engine.begin() as connection:

        def _revision(sync_connection: object) -> None:
            config.attributes["connection"] = sync_connection
            command.revision(config, message=message, autogenerate=True)

        await connection.run_sync(_revision)
