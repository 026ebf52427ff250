"""token revocations

Revoked access tokens (jti) and logins (refresh family ids) are kept in PostgreSQL until
every token they cover has expired, so that a restart of Redis never revives a token.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 12:07:28.002142
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'token_revocations',
        sa.Column('token_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_id', name=op.f('pk_token_revocations')),
    )
    op.create_index(
        op.f('ix_token_revocations_expires_at'), 'token_revocations', ['expires_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_token_revocations_expires_at'), table_name='token_revocations')
    op.drop_table('token_revocations')
