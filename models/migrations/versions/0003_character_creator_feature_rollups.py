"""character, creator and feature rollups

- character_days.new_users: users whose first message to the character fell on the day.
- character_stats.session_seconds: the summed duration of the character's sessions;
  character_stats.creator_id: the character's creator, indexed with total_messages for
  each creator's top character.
- creator_stats: an index per creator ranking (highest first, ties by id) and one on
  last_message_at (active creators); transactions: the completed ones by creator and time,
  with the user (paying fans).
- per feature, uses and users as platform_counters ('uses:<feature>', 'users:<feature>').

Every existing workspace is backfilled from its raw rows, with the statements
gateway/ingestion/rollup_rebuild.py runs for these rollups (copied here as they are at this
revision, so that later changes to the rebuild do not change what this revision did).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WS = "CAST(:ws AS varchar)"

BACKFILL = (
    f"""
INSERT INTO character_stats (workspace_id, character_id)
SELECT {WS}, id FROM characters WHERE workspace_id = :ws ON CONFLICT DO NOTHING
""",
    """
UPDATE character_stats s SET creator_id = ch.creator_id FROM characters ch
WHERE ch.workspace_id = :ws AND s.workspace_id = :ws AND s.character_id = ch.id
  AND s.creator_id IS DISTINCT FROM ch.creator_id
""",
    f"""
INSERT INTO creator_stats (workspace_id, creator_id)
SELECT {WS}, id FROM creators WHERE workspace_id = :ws ON CONFLICT DO NOTHING
""",
    """
UPDATE character_days d SET new_users = f.users
FROM (SELECT character_id, day, count(*) AS users
      FROM (SELECT character_id, min(day) AS day FROM character_user_days
            WHERE workspace_id = :ws GROUP BY character_id, user_id) p
      GROUP BY character_id, day) f
WHERE d.workspace_id = :ws AND d.character_id = f.character_id AND d.day = f.day
""",
    """
UPDATE character_stats s SET sessions = coalesce(t.n, 0), session_seconds = coalesce(t.seconds, 0)
FROM character_stats c
LEFT JOIN (SELECT character_id, count(*) AS n, sum(duration_seconds) AS seconds
           FROM chat_sessions WHERE workspace_id = :ws AND character_id IS NOT NULL
           GROUP BY character_id) t ON t.character_id = c.character_id
WHERE c.workspace_id = :ws AND s.workspace_id = :ws AND s.character_id = c.character_id
""",
    "DELETE FROM platform_counters WHERE workspace_id = :ws "
    "AND (name LIKE 'uses:%' OR name LIKE 'users:%')",
    f"""
INSERT INTO platform_counters (workspace_id, name, value)
SELECT {WS}, k.name, k.value
FROM (SELECT feature, count(*) AS uses, count(DISTINCT user_id) AS users FROM feature_usage
      WHERE workspace_id = :ws GROUP BY feature) f
CROSS JOIN LATERAL (VALUES ('uses:' || f.feature, f.uses), ('users:' || f.feature, f.users))
  k (name, value)
""",
)


def upgrade() -> None:
    op.add_column('character_days', sa.Column('new_users', sa.Integer(), server_default='0', nullable=False))
    op.add_column('character_stats', sa.Column('session_seconds', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('character_stats', sa.Column('creator_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    bind = op.get_bind()
    # Uploads wait for the backfill, so none is counted twice or missed.
    bind.execute(sa.text(
        "LOCK TABLE messages, chat_sessions, feature_usage, creators, characters IN SHARE MODE"
    ))
    for (ws,) in bind.execute(sa.text("SELECT id FROM workspaces ORDER BY id")).all():
        for statement in BACKFILL:
            bind.execute(sa.text(statement), {"ws": ws})
    op.create_index('ix_character_stats_creator_top', 'character_stats', ['workspace_id', 'creator_id', sa.literal_column('total_messages DESC'), 'character_id'], unique=False)
    for column in ('characters_count', 'earnings', 'followers', 'total_messages'):
        op.create_index(f'ix_creator_stats_{column}', 'creator_stats', ['workspace_id', sa.literal_column(f'{column} DESC'), 'creator_id'], unique=False)
    op.create_index(op.f('ix_creator_stats_workspace_id_last_message_at'), 'creator_stats', ['workspace_id', 'last_message_at'], unique=False)
    op.create_index('ix_transactions_creator_fans', 'transactions', ['workspace_id', 'creator_id', 'created_at'], unique=False, postgresql_include=['user_id'], postgresql_where=sa.text("status = 'completed'"))
    # The backfill rewrote these tables: plan the new reads with current statistics.
    op.execute("ANALYZE character_days, character_stats, creator_stats, platform_counters")


def downgrade() -> None:
    op.drop_index('ix_transactions_creator_fans', table_name='transactions', postgresql_include=['user_id'], postgresql_where=sa.text("status = 'completed'"))
    op.drop_index(op.f('ix_creator_stats_workspace_id_last_message_at'), table_name='creator_stats')
    for column in ('characters_count', 'earnings', 'followers', 'total_messages'):
        op.drop_index(f'ix_creator_stats_{column}', table_name='creator_stats')
    op.drop_index('ix_character_stats_creator_top', table_name='character_stats')
    op.drop_column('character_stats', 'creator_id')
    op.drop_column('character_stats', 'session_seconds')
    op.drop_column('character_days', 'new_users')
    op.execute(
        "DELETE FROM platform_counters WHERE name LIKE 'uses:%' OR name LIKE 'users:%'"
    )
