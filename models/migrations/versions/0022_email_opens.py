"""email opens: when each email's open pixel was first loaded, each sequence step's opened
count, and `skipped` messages (a step whose condition the lead did not meet)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 02:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('pending', 'sent', 'bounced', 'deferred', 'failed')"
_AFTER = "status IN ('pending', 'sent', 'bounced', 'deferred', 'failed', 'skipped')"


def upgrade() -> None:
    op.add_column('email_messages', sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f('ck_email_messages_status'), 'email_messages', type_='check')
    op.create_check_constraint(op.f('ck_email_messages_status'), 'email_messages', _AFTER)
    op.add_column('sequence_steps', sa.Column('opened', sa.Integer(), server_default='0', nullable=False))
    op.create_check_constraint(op.f('ck_sequence_steps_opened'), 'sequence_steps', 'opened >= 0')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_sequence_steps_opened'), 'sequence_steps', type_='check')
    op.drop_column('sequence_steps', 'opened')
    op.execute("UPDATE email_messages SET status = 'failed', error = 'skipped' WHERE status = 'skipped'")
    op.drop_constraint(op.f('ck_email_messages_status'), 'email_messages', type_='check')
    op.create_check_constraint(op.f('ck_email_messages_status'), 'email_messages', _BEFORE)
    op.drop_column('email_messages', 'opened_at')
