"""ad_performance's (workspace, source, time) index covers the columns spec 001's queries read

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 'ix_ad_performance_workspace_id_source_occurred_at'
_KEY = ['workspace_id', 'source', 'occurred_at']
_COVERED = [
    'campaign_name', 'campaign_id', 'ad_set', 'ad_name',
    'impressions', 'clicks', 'conversions', 'spend', 'revenue',
]


def upgrade() -> None:
    op.drop_index(_NAME, table_name='ad_performance')
    op.create_index(_NAME, 'ad_performance', _KEY, postgresql_include=_COVERED)


def downgrade() -> None:
    op.drop_index(_NAME, table_name='ad_performance')
    op.create_index(_NAME, 'ad_performance', _KEY)
