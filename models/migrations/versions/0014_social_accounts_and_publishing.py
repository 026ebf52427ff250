"""social accounts connected through OAuth (the platform's id, sealed tokens); post publishing state

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('social_accounts', sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
    op.add_column('social_accounts', sa.Column('access_token_sealed', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('social_accounts', sa.Column('refresh_token_sealed', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('social_accounts', sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('posts', sa.Column('publish_attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('posts', sa.Column('publish_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('posts', sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))


def downgrade() -> None:
    op.drop_column('posts', 'external_id')
    op.drop_column('posts', 'publish_error')
    op.drop_column('posts', 'publish_attempts')
    op.drop_column('social_accounts', 'token_expires_at')
    op.drop_column('social_accounts', 'refresh_token_sealed')
    op.drop_column('social_accounts', 'access_token_sealed')
    op.drop_column('social_accounts', 'external_id')
