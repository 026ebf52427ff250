"""SQLModel tables, one module per domain, and their plain data-access functions.

Importing this package registers every table on `SQLModel.metadata` (Alembic and the
tests rely on that), so each domain module is imported here.
"""

from models import (  # noqa: F401
    ads,
    coaching,
    events,
    files,
    identity,
    organic,
    organic_work,
    platform,
    platform_rollups,
    sandbox,
    social,
    system,
    tenancy,
)
from models.base import metadata

__all__ = ["metadata"]
