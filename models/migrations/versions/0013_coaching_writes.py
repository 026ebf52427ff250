"""coaching hub: analytics exports, uploaded files kept for processing, full-text search over chunks, and the
program version an enrolment started on

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('kb_document_sources',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document_id', sa.Uuid(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'document_id'], ['kb_documents.workspace_id', 'kb_documents.id'], name=op.f('fk_kb_document_sources_workspace_id_document_id_kb_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_kb_document_sources_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'document_id', name=op.f('pk_kb_document_sources'))
    )
    op.add_column('kb_document_chunks', sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed("to_tsvector('english'::regconfig, content)", persisted=True), nullable=True))
    op.create_index('ix_kb_document_chunks_search', 'kb_document_chunks', ['search_vector'], unique=False, postgresql_using='gin')
    op.add_column('enrollments', sa.Column('program_version', sa.Integer(), nullable=True))
    op.add_column('enrollments', sa.Column('current_node', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
    op.add_column('enrollments', sa.Column('walk', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False))
    op.create_table('coaching_exports',
    sa.Column('workspace_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('metrics', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('file_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("format IN ('csv', 'json')", name=op.f('ck_coaching_exports_format')),
    sa.CheckConstraint("status IN ('processing', 'completed', 'failed')", name=op.f('ck_coaching_exports_status')),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_coaching_exports_date_range')),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_coaching_exports_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_coaching_exports'))
    )
    op.create_index(op.f('ix_coaching_exports_workspace_id_created_at'), 'coaching_exports', ['workspace_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_coaching_exports_workspace_id_created_at'), table_name='coaching_exports')
    op.drop_table('coaching_exports')
    op.drop_column('enrollments', 'walk')
    op.drop_column('enrollments', 'current_node')
    op.drop_column('enrollments', 'program_version')
    op.drop_index('ix_kb_document_chunks_search', table_name='kb_document_chunks', postgresql_using='gin')
    op.drop_column('kb_document_chunks', 'search_vector')
    op.drop_table('kb_document_sources')
