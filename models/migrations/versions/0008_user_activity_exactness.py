"""what users did, creators' moved totals, rollups in the current timezone

- platform_hourly.user_messages: messages sent by users (a character's reply is no user's
  activity), per UTC hour, for the messages-per-user averages.
- A user's activity (platform_user_days, the activity gaps and retention cells, the users'
  totals and last activity, their segment places) counts only the messages they sent.
- creator_stats' messages, images and latest message follow a character to its current
  creator, and earnings a transaction to its current creator.
- The per-character window totals are dropped, so that the first read recomputes them in
  the workspace's current timezone.

Every existing workspace is backfilled from its raw rows with the statements of `gateway
rebuild-rollups` (which also puts right any id two uploads created at the same moment).

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-08 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('platform_hourly', sa.Column('user_messages', sa.Integer(), server_default='0', nullable=False))
    _backfill()


def _backfill() -> None:
    backfill(op.get_bind())


def backfill(bind: sa.Connection) -> None:
    """Rebuild every workspace's rollups from its raw rows, with uploads held off (the same
    lock as a rebuild) until the migration commits."""
    from gateway.ingestion.rollup_rebuild import LOCK, STATEMENTS

    bind.execute(sa.text(LOCK))
    workspaces = bind.execute(sa.text('SELECT id FROM workspaces ORDER BY id')).scalars().all()
    for workspace_id in workspaces:
        for statement in STATEMENTS:
            bind.execute(sa.text(statement), {'ws': workspace_id})
    # The backfill rewrote these tables: plan the first reads with current statistics.
    bind.execute(
        sa.text(
            'ANALYZE platform_hourly, platform_user_days, platform_activity_gaps, '
            'platform_retention_cells, platform_user_stats, platform_users, creator_stats, '
            'platform_user_segment_keys, platform_segment_cells'
        )
    )


def downgrade() -> None:
    op.drop_column('platform_hourly', 'user_messages')
