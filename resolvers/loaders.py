"""Per-request dataloaders: whatever a query nests, each kind of thing costs one statement.

Loader functions are plain `async def load_<things>(session, keys, ...) -> list[T | None]`
returning in key order; `Loaders` binds them to one request's workspace and caches them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import Select, String, any_, bindparam, func, inspect, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.database import read_sessions

# Statements built once per (table, key column, ...): a batch only binds its values, and the
# one SQL text (`= ANY($2)`, whatever the number of keys) stays prepared on each connection.
_STATEMENTS: dict[Hashable, Select[Any]] = {}


def _keys_param(column: Any) -> Any:
    return bindparam("keys", type_=ARRAY(column.type if column.type else String()))


def _columns(model: Any) -> list[Any]:
    """The model's columns labelled with its attribute names (`meta` for a `metadata`
    column), so Core rows read like the ORM objects they replace."""
    return [prop.columns[0].label(prop.key) for prop in inspect(model).column_attrs]


def _by_keys_statement(model: Any, column: str) -> Select[Any]:
    cache_key = ("by", model, column)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        key = getattr(model, column)
        statement = _STATEMENTS[cache_key] = select(*_columns(model)).where(
            model.workspace_id == bindparam("workspace_id"),
            key == any_(_keys_param(key)),
        )
    return statement


async def load_by_keys(
    session: AsyncSession, model: Any, keys: Sequence[Any], *, workspace_id: str, column: str = "id"
) -> list[Any | None]:
    """Rows of `model` whose `column` is one of `keys`, in key order (None where missing).

    Rows are SQLAlchemy Core rows (attribute access by column name), not ORM objects:
    nothing here is written back, and building ORM identities cost more than the query.
    """
    rows = await session.execute(
        _by_keys_statement(model, column),
        {"workspace_id": workspace_id, "keys": list(set(keys))},
    )
    found = {getattr(row, column): row for row in rows}
    return [found.get(key) for key in keys]


def _children_statement(model: Any, parent_column: str, order_by: Any, limit: int | None) -> Any:
    cache_key = ("children", model, parent_column, str(order_by), limit)
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        parent = getattr(model, parent_column)
        order = order_by if order_by is not None else model.id
        order = order if isinstance(order, tuple | list) else (order,)
        columns = _columns(model)
        ranked = (
            select(
                *columns, func.row_number().over(partition_by=parent, order_by=order).label("_rank")
            )
            .where(
                model.workspace_id == bindparam("workspace_id"), parent == any_(_keys_param(parent))
            )
            .subquery()
        )
        statement = select(*(ranked.c[c.name] for c in columns)).order_by(ranked.c._rank)
        if limit is not None:
            statement = statement.where(ranked.c._rank <= limit)
        _STATEMENTS[cache_key] = statement
    return statement


async def load_children(
    session: AsyncSession,
    model: Any,
    keys: Sequence[Any],
    *,
    workspace_id: str,
    parent_column: str,
    order_by: Any = None,
    limit: int | None = None,
) -> list[list[Any]]:
    """For each parent key, its child rows (at most `limit` each, in `order_by` order; a
    tuple of expressions orders by each in turn)."""
    statement = _children_statement(model, parent_column, order_by, limit)
    groups: dict[Any, list[Any]] = defaultdict(list)
    rows = await session.execute(statement, {"workspace_id": workspace_id, "keys": list(set(keys))})
    for row in rows:
        groups[getattr(row, parent_column)].append(row)
    return [groups.get(key, []) for key in keys]


class Loaders:
    """The dataloaders of one request, created on first use and shared by its resolvers.

    Each batch opens its own short read session (autocommit: no BEGIN/ROLLBACK around its
    one statement): resolvers run concurrently, and one AsyncSession must never be shared
    by concurrent coroutines.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: str) -> None:
        self._sessions = read_sessions(sessions)
        self.workspace_id = workspace_id
        self._loaders: dict[Hashable, DataLoader] = {}

    def _loader(
        self, key: Hashable, fetch: Callable[[AsyncSession, list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader:
        loader = self._loaders.get(key)
        if loader is None:

            async def batch(keys: list[Any]) -> list[Any]:
                async with self._sessions() as session:
                    return await fetch(session, keys)

            loader = self._loaders[key] = DataLoader(batch)
        return loader

    def by_id(self, model: Any, column: str = "id") -> DataLoader:
        """`model` rows by a unique column (its id unless told otherwise)."""
        return self._loader(
            ("by", model, column),
            lambda session, keys: load_by_keys(
                session, model, keys, workspace_id=self.workspace_id, column=column
            ),
        )

    def children(
        self, model: Any, parent_column: str, *, order_by: Any = None, limit: int | None = None
    ) -> DataLoader:
        """Lists of `model` rows per parent key."""
        return self._loader(
            ("children", model, parent_column, str(order_by), limit),
            lambda session, keys: load_children(
                session,
                model,
                keys,
                workspace_id=self.workspace_id,
                parent_column=parent_column,
                order_by=order_by,
                limit=limit,
            ),
        )

    def custom(
        self, name: str, fetch: Callable[[AsyncSession, list[Any], str], Awaitable[list[Any]]]
    ) -> DataLoader:
        """A loader for anything else (aggregates): `fetch(session, keys, workspace_id)`."""
        return self._loader(
            ("custom", name), lambda session, keys: fetch(session, keys, self.workspace_id)
        )
