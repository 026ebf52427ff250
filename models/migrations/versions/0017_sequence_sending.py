"""sequences that send: an enrolment's next step and when it is due; email messages of a sequence step; a custom report's next scheduled delivery

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('custom_reports', sa.Column('next_delivery_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_custom_reports_next_delivery', 'custom_reports', ['next_delivery_at'], unique=False, postgresql_where='next_delivery_at IS NOT NULL')
    op.add_column('sequence_enrollments', sa.Column('next_step_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column('sequence_enrollments', sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f('ck_sequence_enrollments_status'), 'sequence_enrollments', type_='check')
    op.create_check_constraint(op.f('ck_sequence_enrollments_status'), 'sequence_enrollments', "status IN ('enrolled', 'completed', 'converted', 'stopped')")
    op.create_index('ix_sequence_enrollments_due', 'sequence_enrollments', ['workspace_id', 'sequence_id', 'due_at'], unique=False, postgresql_where='due_at IS NOT NULL')
    op.add_column('email_messages', sa.Column('step_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.alter_column('email_messages', 'campaign_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
    op.create_foreign_key(op.f('fk_email_messages_workspace_id_step_id_sequence_steps'), 'email_messages', 'sequence_steps', ['workspace_id', 'step_id'], ['workspace_id', 'id'], ondelete='CASCADE')
    op.create_unique_constraint(op.f('uq_email_messages_workspace_id_step_id_lead_id'), 'email_messages', ['workspace_id', 'step_id', 'lead_id'])
    op.create_check_constraint(op.f('ck_email_messages_campaign_or_step'), 'email_messages', '(campaign_id IS NULL) <> (step_id IS NULL)')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_email_messages_campaign_or_step'), 'email_messages', type_='check')
    op.drop_constraint(op.f('uq_email_messages_workspace_id_step_id_lead_id'), 'email_messages', type_='unique')
    op.drop_constraint(op.f('fk_email_messages_workspace_id_step_id_sequence_steps'), 'email_messages', type_='foreignkey')
    op.execute('DELETE FROM email_messages WHERE campaign_id IS NULL')
    op.alter_column('email_messages', 'campaign_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False)
    op.drop_column('email_messages', 'step_id')
    op.drop_index('ix_sequence_enrollments_due', table_name='sequence_enrollments', postgresql_where='due_at IS NOT NULL')
    op.execute("UPDATE sequence_enrollments SET status = 'completed' WHERE status = 'stopped'")
    op.drop_constraint(op.f('ck_sequence_enrollments_status'), 'sequence_enrollments', type_='check')
    op.create_check_constraint(op.f('ck_sequence_enrollments_status'), 'sequence_enrollments', "status IN ('enrolled', 'completed', 'converted')")
    op.drop_column('sequence_enrollments', 'due_at')
    op.drop_column('sequence_enrollments', 'next_step_id')
    op.drop_index('ix_custom_reports_next_delivery', table_name='custom_reports', postgresql_where='next_delivery_at IS NOT NULL')
    op.drop_column('custom_reports', 'next_delivery_at')
