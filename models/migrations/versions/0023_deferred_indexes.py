"""deferred_indexes: secondary indexes a bulk load into empty tables dropped, kept until
they are built again (an interrupted load leaves them here for the next start to build)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 02:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'deferred_indexes',
        sa.Column('index_name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column('table_name', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column('definition', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('index_name', name=op.f('pk_deferred_indexes')),
    )


def downgrade() -> None:
    op.drop_table('deferred_indexes')
