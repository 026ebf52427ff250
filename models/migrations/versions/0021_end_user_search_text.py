"""end_users.search_text: what a user search matches, lowered and stored by PostgreSQL

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEARCH = "lower(external_id) || chr(31) || lower(coalesce(profile_data->>'name', ''))"


def upgrade() -> None:
    op.add_column(
        'end_users',
        sa.Column('search_text', sa.Text(), sa.Computed(_SEARCH, persisted=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('end_users', 'search_text')
