"""interaction_days and user_days: rollups of interactions per UTC day (by channel, type and
AI, with the sums behind the means; and per end user), kept by statement-level triggers on
interactions for inserts, updates and deletes, backfilled here; user_activity, each end
user's latest interaction; end_user_days, end users created per day, by triggers on
end_users; an end_users index for a channel's active users by engagement

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NO_CHANNEL = "'00000000-0000-0000-0000-000000000000'::uuid"
_DAY = "(created_at AT TIME ZONE 'UTC')::date"

# Each statement adds its rows' signed contributions (+1 inserted, -1 deleted, both for an
# update), in key order so concurrent writers lock rollup rows in the same order. Rows
# brought to zero stay and readers skip them: deleting them by key joined the statement's
# rows against every zero row, quadratic for a large delete. {rows} is the statement's
# transition table(s).
_APPLY = (
    f"""
  INSERT INTO interaction_days AS d (workspace_id, day, channel, channel_id, interaction_type,
    is_ai, interactions, response_seconds_sum, responses, satisfaction_sum, ratings)
  SELECT workspace_id, {_DAY}, channel, coalesce(channel_id, {_NO_CHANNEL}), interaction_type,
    is_ai, sum(sign), coalesce(sum(sign * response_time_seconds), 0),
    coalesce(sum(sign) FILTER (WHERE response_time_seconds IS NOT NULL), 0),
    coalesce(sum(sign * satisfaction_score), 0),
    coalesce(sum(sign) FILTER (WHERE satisfaction_score IS NOT NULL), 0)
  FROM ({{rows}}) r GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (workspace_id, day, channel, channel_id, interaction_type, is_ai) DO UPDATE
    SET interactions = d.interactions + excluded.interactions,
        response_seconds_sum = d.response_seconds_sum + excluded.response_seconds_sum,
        responses = d.responses + excluded.responses,
        satisfaction_sum = d.satisfaction_sum + excluded.satisfaction_sum,
        ratings = d.ratings + excluded.ratings;
""",
    f"""
  INSERT INTO user_days AS u (workspace_id, day, user_id, channel_id, interactions)
  SELECT workspace_id, {_DAY}, user_id, coalesce(channel_id, {_NO_CHANNEL}), sum(sign)
  FROM ({{rows}}) r GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (workspace_id, day, user_id, channel_id) DO UPDATE
    SET interactions = u.interactions + excluded.interactions;
""",
    """
  INSERT INTO user_activity AS a (workspace_id, user_id, last_at)
  SELECT workspace_id, user_id, max(created_at) FROM ({rows}) r WHERE sign > 0
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (workspace_id, user_id) DO UPDATE SET last_at = greatest(a.last_at, excluded.last_at);
""",
)
_PRUNE = """
  -- A user's latest interaction may be the one removed: recomputed from what remains.
  WITH k AS (SELECT DISTINCT workspace_id, user_id FROM old_rows), latest AS (
    SELECT k.workspace_id, k.user_id, (SELECT max(i.created_at) FROM interactions i
      WHERE i.workspace_id = k.workspace_id AND i.user_id = k.user_id) AS last_at FROM k
  ), gone AS (
    DELETE FROM user_activity a USING latest l WHERE a.workspace_id = l.workspace_id
      AND a.user_id = l.user_id AND l.last_at IS NULL
  )
  UPDATE user_activity a SET last_at = l.last_at FROM latest l
  WHERE a.workspace_id = l.workspace_id AND a.user_id = l.user_id AND l.last_at IS NOT NULL;
"""
_ROWS = {
    "insert": "SELECT *, 1 AS sign FROM new_rows",
    "delete": "SELECT *, -1 AS sign FROM old_rows",
    "update": "SELECT *, 1 AS sign FROM new_rows UNION ALL SELECT *, -1 AS sign FROM old_rows",
}
_USERS_APPLY = f"""
  INSERT INTO end_user_days AS d (workspace_id, day, channel, is_active, users)
  SELECT workspace_id, {_DAY}, channel, is_active, sum(sign) FROM ({{rows}}) r
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (workspace_id, day, channel, is_active) DO UPDATE
    SET users = d.users + excluded.users;
"""
_USERS_PRUNE = ""
_TRANSITIONS = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


# (rollup function name, table it watches, its statements, its pruning)
_ROLLUPS = [
    ("interaction_rollups", "interactions", _APPLY, _PRUNE),
    ("end_user_rollups", "end_users", [_USERS_APPLY], _USERS_PRUNE),
]


def _function(name: str, apply: list[str], prune: str, op_name: str) -> str:
    body = "".join(s.format(rows=_ROWS[op_name]) for s in apply)
    body += prune if op_name != "insert" else ""
    return (
        f"CREATE FUNCTION {name}_{op_name}() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$\nBEGIN\n{body}\n  RETURN NULL;\nEND $$"
    )


def _trigger(name: str, table: str, op_name: str) -> str:
    # A PostgreSQL trigger with transition tables has one event: one trigger per event.
    return (
        f"CREATE TRIGGER {name}_{op_name} AFTER {op_name.upper()} ON {table} "
        f"REFERENCING {_TRANSITIONS[op_name]} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {name}_{op_name}()"
    )


_BACKFILL = [s.format(rows="SELECT *, 1 AS sign FROM interactions") for s in _APPLY] + [
    _USERS_APPLY.format(rows="SELECT *, 1 AS sign FROM end_users")
]


def upgrade() -> None:
    op.create_table(
        "interaction_days",
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("interaction_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("is_ai", sa.Boolean(), nullable=False),
        sa.Column("interactions", sa.BigInteger(), nullable=False),
        sa.Column("response_seconds_sum", sa.Float(), nullable=False),
        sa.Column("responses", sa.BigInteger(), nullable=False),
        sa.Column("satisfaction_sum", sa.Float(), nullable=False),
        sa.Column("ratings", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_interaction_days_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "day",
            "channel",
            "channel_id",
            "interaction_type",
            "is_ai",
            name=op.f("pk_interaction_days"),
        ),
    )
    op.create_table(
        "user_days",
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("channel_id", sa.Uuid(), nullable=False),
        sa.Column("interactions", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_user_days_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "day", "user_id", "channel_id", name=op.f("pk_user_days")
        ),
    )
    op.create_index(
        op.f("ix_user_days_workspace_id_channel_id_day_user_id"),
        "user_days",
        ["workspace_id", "channel_id", "day", "user_id"],
        unique=False,
    )
    op.create_table(
        "user_activity",
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_user_activity_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_user_activity")),
    )
    op.create_index(
        op.f("ix_user_activity_workspace_id_last_at"),
        "user_activity",
        ["workspace_id", "last_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_end_users_workspace_id_channel_is_active_engagement_score_id"),
        "end_users",
        ["workspace_id", "channel", "is_active", "engagement_score", "id"],
        unique=False,
    )
    op.create_table(
        "end_user_days",
        sa.Column("workspace_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("users", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_end_user_days_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "day", "channel", "is_active", name=op.f("pk_end_user_days")
        ),
    )
    for name, table, apply, prune in _ROLLUPS:
        for op_name in _ROWS:
            op.execute(_function(name, apply, prune, op_name))
            op.execute(_trigger(name, table, op_name))
    for statement in _BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    for name, table, _, _ in _ROLLUPS:
        for op_name in _ROWS:
            op.execute(f"DROP TRIGGER {name}_{op_name} ON {table}")
            op.execute(f"DROP FUNCTION {name}_{op_name}()")
    op.drop_table("end_user_days")
    op.drop_index(op.f("ix_user_activity_workspace_id_last_at"), table_name="user_activity")
    op.drop_table("user_activity")
    op.drop_index(op.f("ix_user_days_workspace_id_channel_id_day_user_id"), table_name="user_days")
    op.drop_table("user_days")
    op.drop_table("interaction_days")
