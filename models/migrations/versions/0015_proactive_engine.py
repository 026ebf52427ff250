"""proactive engine: a trigger's threshold window (one trigger per user, rule and window), its
undelivered actions, and the text of a message sent to an end user

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('interactions', sa.Column('content', sa.String(), nullable=True))
    op.add_column('rule_triggers', sa.Column('window_start', sa.DateTime(timezone=True), nullable=True))
    op.add_column('rule_triggers', sa.Column('pending', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_unique_constraint(op.f('uq_rule_triggers_workspace_id_rule_id_user_id_window_start'), 'rule_triggers', ['workspace_id', 'rule_id', 'user_id', 'window_start'])
    op.create_index('ix_rule_triggers_pending', 'rule_triggers', ['workspace_id'], unique=False, postgresql_where=sa.text('pending'))
    op.create_index('ix_rule_triggers_open', 'rule_triggers', ['triggered_at'], unique=False, postgresql_where=sa.text('NOT succeeded'))


def downgrade() -> None:
    op.drop_index('ix_rule_triggers_open', table_name='rule_triggers', postgresql_where=sa.text('NOT succeeded'))
    op.drop_index('ix_rule_triggers_pending', table_name='rule_triggers', postgresql_where=sa.text('pending'))
    op.drop_constraint(op.f('uq_rule_triggers_workspace_id_rule_id_user_id_window_start'), 'rule_triggers', type_='unique')
    op.drop_column('rule_triggers', 'pending')
    op.drop_column('rule_triggers', 'window_start')
    op.drop_column('interactions', 'content')
