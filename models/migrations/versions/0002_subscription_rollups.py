"""subscription rollups

Subscriptions per tier, per local day of their start, cancellation and end, and per due day
of their month-N retention; the users' subscription totals, funnel, premium and creator
places in the segment keys and cells; first subscriptions per hour. Backfilled for every
workspace from the raw rows (the statements of `gateway rebuild-rollups`).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _flag(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean(), server_default='false', nullable=False)


def upgrade() -> None:
    op.add_column('platform_hourly', sa.Column('first_subscriptions', sa.Integer(), server_default='0', nullable=False))
    op.add_column('platform_user_stats', sa.Column('first_subscription_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('platform_user_stats', sa.Column('active_subscriptions', sa.Integer(), server_default='0', nullable=False))
    for name in ('registered', 'chatted', 'premium', 'creator'):
        op.add_column('platform_user_segment_keys', _flag(name))
    op.add_column('platform_user_segment_keys', sa.Column('to_purchase', sa.Numeric(), nullable=True))
    op.add_column('platform_user_segment_keys', sa.Column('chat_to_sub', sa.Numeric(), nullable=True))
    op.add_column('platform_user_segment_keys', sa.Column('first_subscription_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('platform_segment_cells', sa.Column('measure', sa.Numeric(), server_default='0', nullable=False))
    op.create_table('platform_tier_subscriptions',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tier_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('active', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'tier_id'], ['subscription_tiers.workspace_id', 'subscription_tiers.id'], name=op.f('fk_platform_tier_subscriptions_workspace_id_tier_id_subscription_tiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_platform_tier_subscriptions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'tier_id', name=op.f('pk_platform_tier_subscriptions'))
    )
    op.create_table('platform_subscription_days',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('subscriptions', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_platform_subscription_days_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'kind', 'day', name=op.f('pk_platform_subscription_days'))
    )
    op.create_table('platform_subscription_retention',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('subscriptions', sa.Integer(), server_default='0', nullable=False),
    sa.Column('kept', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_platform_subscription_retention_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'months', 'due_on', name=op.f('pk_platform_subscription_retention'))
    )
    _backfill()


def _backfill() -> None:
    """Fill the new rollups of every workspace from its raw rows, with uploads held off
    (the same lock as a rebuild) until the migration commits."""
    from gateway.ingestion.rollup_rebuild import SUBSCRIPTIONS

    bind = op.get_bind()
    bind.execute(
        sa.text(
            'LOCK TABLE platform_users, platform_user_stats, creators, subscriptions, '
            'transactions, messages, chat_sessions, images, favorites IN SHARE MODE'
        )
    )
    workspaces = bind.execute(sa.text('SELECT id FROM workspaces ORDER BY id')).scalars().all()
    for workspace_id in workspaces:
        for statement in SUBSCRIPTIONS:
            bind.execute(sa.text(statement), {'ws': workspace_id})
    # Statistics for the first reads' plans (else they scan the cells before autovacuum comes).
    bind.execute(
        sa.text(
            'ANALYZE platform_user_segment_keys, platform_segment_cells, platform_user_stats, '
            'platform_tier_subscriptions, platform_subscription_days, '
            'platform_subscription_retention'
        )
    )


def downgrade() -> None:
    op.drop_table('platform_subscription_retention')
    op.drop_table('platform_subscription_days')
    op.drop_table('platform_tier_subscriptions')
    op.drop_column('platform_segment_cells', 'measure')
    for name in ('first_subscription_at', 'chat_to_sub', 'to_purchase', 'creator', 'premium', 'chatted', 'registered'):
        op.drop_column('platform_user_segment_keys', name)
    op.drop_column('platform_user_stats', 'active_subscriptions')
    op.drop_column('platform_user_stats', 'first_subscription_at')
    op.drop_column('platform_hourly', 'first_subscriptions')
