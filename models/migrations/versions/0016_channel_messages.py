"""channel messages (outbound deliveries, inbound webhooks, the widget's conversation); interactions keep their text

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_channels_id', 'channels', ['id'], unique=False)
    op.create_table(
        'channel_messages',
        sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('channel_id', sa.Uuid(), nullable=True),
        sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('interaction_id', sa.Uuid(), nullable=True),
        sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('web', 'whatsapp', 'telegram', 'mobile')", name=op.f('ck_channel_messages_channel')),
        sa.CheckConstraint("direction IN ('outbound', 'inbound')", name=op.f('ck_channel_messages_direction')),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'received')", name=op.f('ck_channel_messages_status')),
        sa.ForeignKeyConstraint(['workspace_id', 'channel_id'], ['channels.workspace_id', 'channels.id'], name=op.f('fk_channel_messages_workspace_id_channel_id_channels'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id', 'user_id'], ['end_users.workspace_id', 'end_users.id'], name=op.f('fk_channel_messages_workspace_id_user_id_end_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_channel_messages_workspace_id_workspaces'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_channel_messages')),
    )
    op.create_index(op.f('ix_channel_messages_workspace_id_user_id_created_at'), 'channel_messages', ['workspace_id', 'user_id', 'created_at'], unique=False)
    op.create_index('uq_channel_messages_inbound', 'channel_messages', ['workspace_id', 'channel_id', 'provider_message_id'], unique=True, postgresql_where=sa.text("direction = 'inbound' AND provider_message_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index('uq_channel_messages_inbound', table_name='channel_messages', postgresql_where=sa.text("direction = 'inbound' AND provider_message_id IS NOT NULL"))
    op.drop_index(op.f('ix_channel_messages_workspace_id_user_id_created_at'), table_name='channel_messages')
    op.drop_table('channel_messages')
    op.drop_index('ix_channels_id', table_name='channels')
