"""Foreign keys checked per batch instead of per row, when that is provably equivalent.

PostgreSQL checks a foreign key with one trigger call per inserted row (~10-20 us each, and
an event row has three: workspace, user, character). The engine already checks every
reference set-based before inserting; when those checks cover every foreign key of the
table, locking the referenced rows FOR KEY SHARE (exactly the lock the triggers take) makes
the triggers redundant, so the insert runs with `session_replication_role = replica` for
that one statement.

The fast path is taken only when all of these hold, otherwise the triggers run as usual:
- every foreign key of the table is `workspace_id -> workspaces` or a tenant reference
  `(workspace_id, col) -> target(workspace_id, id)` listed in the data type's `references`;
- every foreign key pointing at the table uses only its conflict key (an upsert never
  changes those columns, so the referenced-side triggers would do nothing);
- the table has no triggers of its own (replica mode would silence them);
- the role may set session_replication_role (a superuser: the embedded server, local
  development, CI); an ordinary production role keeps the triggers;
- the workspace row exists (else the trigger path raises the usual foreign-key error).
"""

from __future__ import annotations

from typing import Any

from gateway.ingestion import registry


def _covered(spec: registry.DataType) -> bool:
    if spec.name not in _COVERED:
        _COVERED[spec.name] = _all_keys_checked(spec)
    return _COVERED[spec.name]


_COVERED: dict[str, bool] = {}


def _all_keys_checked(spec: registry.DataType) -> bool:
    table = spec.table.__table__  # type: ignore[attr-defined]
    for fk in table.foreign_key_constraints:
        local = list(fk.column_keys)
        remote = [e.column.name for e in fk.elements]
        target = fk.referred_table.name
        if local == ["workspace_id"] and target == "workspaces":
            continue
        if (
            len(local) == 2
            and local[0] == "workspace_id"
            and remote == ["workspace_id", "id"]
            and spec.references.get(local[1]) == target
        ):
            continue
        return False
    key = {"workspace_id", *spec.conflict_key}
    for other in table.metadata.tables.values():
        for fk in other.foreign_key_constraints:
            if fk.referred_table is table and not {e.column.name for e in fk.elements} <= key:
                return False
    return True


async def replace_triggers(raw: Any, spec: registry.DataType, stage: str, workspace: str) -> bool:
    """Lock what the batch references and say whether the per-row triggers may be skipped.

    Call before checking the references: rows locked here cannot vanish before commit.
    """
    if not _covered(spec):
        return False
    table = spec.table.__tablename__  # type: ignore[attr-defined]
    allowed = await raw.fetchval(
        "SELECT current_setting('is_superuser') = 'on' AND NOT EXISTS "
        "(SELECT 1 FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal)",
        table,
    )
    if not allowed:
        return False
    if not await raw.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM workspaces WHERE id = $1 FOR KEY SHARE) w",
        workspace,
    ):
        return False
    for column, target in spec.references.items():
        await raw.fetchval(
            f"SELECT count(*) FROM (SELECT 1 FROM {target} r WHERE r.workspace_id = $1 "
            f"AND r.id IN (SELECT {column} FROM {stage}) FOR KEY SHARE OF r) locked",
            workspace,
        )
    return True
