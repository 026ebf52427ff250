"""character, creator and feature rollups

Per feature, uses and users as platform_counters ('uses:<feature>', 'users:<feature>').

Every existing workspace is backfilled from its raw rows, with the statements
gateway/ingestion/rollup_rebuild.py runs for these rollups (copied here as they are at this
revision, so that later changes to the rebuild do not change what this revision did).

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WS = "CAST(:ws AS varchar)"

BACKFILL = (
    "DELETE FROM platform_counters WHERE workspace_id = :ws "
    "AND (name LIKE 'uses:%' OR name LIKE 'users:%')",
    f"""
INSERT INTO platform_counters (workspace_id, name, value)
SELECT {WS}, k.name, k.value
FROM (SELECT feature, count(*) AS uses, count(DISTINCT user_id) AS users FROM feature_usage
      WHERE workspace_id = :ws GROUP BY feature) f
CROSS JOIN LATERAL (VALUES ('uses:' || f.feature, f.uses), ('users:' || f.feature, f.users))
  k (name, value)
""",
)


def upgrade() -> None:
    bind = op.get_bind()
    # Uploads wait for the backfill, so none is counted twice or missed.
    bind.execute(sa.text("LOCK TABLE feature_usage IN SHARE MODE"))
    for (ws,) in bind.execute(sa.text("SELECT id FROM workspaces ORDER BY id")).all():
        for statement in BACKFILL:
            bind.execute(sa.text(statement), {"ws": ws})


def downgrade() -> None:
    op.execute("DELETE FROM platform_counters WHERE name LIKE 'uses:%' OR name LIKE 'users:%'")
