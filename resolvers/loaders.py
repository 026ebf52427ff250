"""Per-request dataloaders: whatever a query nests, each kind of thing costs one statement.

Loader functions are plain `async def load_<things>(session, keys, ...) -> list[T | None]`
returning in key order; `Loaders` binds them to one request's workspace and caches them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def load_by_keys(
    session: AsyncSession, model: Any, keys: Sequence[Any], *, workspace_id: str, column: str = "id"
) -> list[Any | None]:
    """Rows of `model` whose `column` is one of `keys`, in key order (None where missing)."""
    key_column = getattr(model, column)
    rows = await session.scalars(
        select(model).where(model.workspace_id == workspace_id, key_column.in_(set(keys)))
    )
    found = {getattr(row, column): row for row in rows}
    return [found.get(key) for key in keys]


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
    """For each parent key, its child rows (at most `limit` each, in `order_by` order)."""
    parent = getattr(model, parent_column)
    order = order_by if order_by is not None else model.id
    ranked = (
        select(model, func.row_number().over(partition_by=parent, order_by=order).label("_rank"))
        .where(model.workspace_id == workspace_id, parent.in_(set(keys)))
        .subquery()
    )
    entity = _aliased(model, ranked)
    statement = select(entity).order_by(ranked.c._rank)
    if limit is not None:
        statement = statement.where(ranked.c._rank <= limit)
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in await session.scalars(statement):
        groups[getattr(row, parent_column)].append(row)
    return [groups.get(key, []) for key in keys]


def _aliased(model: Any, subquery: Any) -> Any:
    from sqlalchemy.orm import aliased

    return aliased(model, subquery)


class Loaders:
    """The dataloaders of one request, created on first use and shared by its resolvers.

    Each batch opens its own short session: resolvers run concurrently, and one
    AsyncSession must never be shared by concurrent coroutines.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: str) -> None:
        self._sessions = sessions
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
