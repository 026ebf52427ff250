"""proactive engine: a trigger's threshold window (one trigger per user, rule and window), its
undelivered actions, and the text of a message sent to an end user; channel_users, the
rollup of interactions per (channel, end user), kept by a trigger on interactions

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Statement-level, over the rows the statement really inserted (ON CONFLICT DO NOTHING
# skips are not in the transition table): every writer of interactions keeps the rollup in
# its own transaction. Interactions are append-only; deleting a user or channel cascades.
_ROLLUP_FUNCTION = """
CREATE FUNCTION channel_users_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO channel_users AS c (workspace_id, channel_id, user_id, first_at, last_at,
                                  interactions)
  SELECT workspace_id, channel_id, user_id, min(created_at), max(created_at), count(*)
  FROM inserted WHERE channel_id IS NOT NULL
  GROUP BY workspace_id, channel_id, user_id
  ON CONFLICT (workspace_id, channel_id, user_id) DO UPDATE
    SET first_at = least(c.first_at, excluded.first_at),
        last_at = greatest(c.last_at, excluded.last_at),
        interactions = c.interactions + excluded.interactions;
  RETURN NULL;
END $$
"""
_ROLLUP_TRIGGER = """
CREATE TRIGGER channel_users_rollup AFTER INSERT ON interactions
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION channel_users_rollup()
"""
_BACKFILL = """
INSERT INTO channel_users (workspace_id, channel_id, user_id, first_at, last_at, interactions)
SELECT workspace_id, channel_id, user_id, min(created_at), max(created_at), count(*)
FROM interactions WHERE channel_id IS NOT NULL GROUP BY workspace_id, channel_id, user_id
"""


def upgrade() -> None:
    op.create_table('channel_users',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('interactions', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'channel_id'], ['channels.workspace_id', 'channels.id'], name=op.f('fk_channel_users_workspace_id_channel_id_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id', 'user_id'], ['end_users.workspace_id', 'end_users.id'], name=op.f('fk_channel_users_workspace_id_user_id_end_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_channel_users_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'channel_id', 'user_id', name=op.f('pk_channel_users'))
    )
    op.execute(_ROLLUP_FUNCTION)
    op.execute(_ROLLUP_TRIGGER)
    op.execute(_BACKFILL)
    op.add_column('interactions', sa.Column('content', sa.String(), nullable=True))
    op.add_column('rule_triggers', sa.Column('window_start', sa.DateTime(timezone=True), nullable=True))
    op.add_column('rule_triggers', sa.Column('pending', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.create_unique_constraint(op.f('uq_rule_triggers_workspace_id_rule_id_user_id_window_start'), 'rule_triggers', ['workspace_id', 'rule_id', 'user_id', 'window_start'])
    op.create_index('ix_rule_triggers_pending', 'rule_triggers', ['workspace_id'], unique=False, postgresql_where=sa.text('pending'))
    op.create_index('ix_rule_triggers_open', 'rule_triggers', ['triggered_at'], unique=False, postgresql_where=sa.text('NOT succeeded'))


def downgrade() -> None:
    op.execute('DROP TRIGGER channel_users_rollup ON interactions')
    op.execute('DROP FUNCTION channel_users_rollup()')
    op.drop_table('channel_users')
    op.drop_index('ix_rule_triggers_open', table_name='rule_triggers', postgresql_where=sa.text('NOT succeeded'))
    op.drop_index('ix_rule_triggers_pending', table_name='rule_triggers', postgresql_where=sa.text('pending'))
    op.drop_constraint(op.f('uq_rule_triggers_workspace_id_rule_id_user_id_window_start'), 'rule_triggers', type_='unique')
    op.drop_column('rule_triggers', 'pending')
    op.drop_column('rule_triggers', 'window_start')
    op.drop_column('interactions', 'content')
