"""the dimension keys each ad source has shown (models/ads.py AdDimensionKey), backfilled
from the rows already stored

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ad_dimension_keys',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_ad_dimension_keys_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'source', 'key', name=op.f('pk_ad_dimension_keys'))
    )
    op.execute(
        "INSERT INTO ad_dimension_keys (workspace_id, source, key) "
        "SELECT DISTINCT a.workspace_id, a.source, k.key FROM ad_performance a "
        "CROSS JOIN LATERAL jsonb_object_keys(a.dimensions) AS k(key) "
        "WHERE length(k.key) <= 128"
    )


def downgrade() -> None:
    op.drop_table('ad_dimension_keys')
