"""The Node interface and node(id).

A node's id is the id the legacy APIs already show (`char_...`, `user_...`, a UUID for spec
002 entities), so a client uses one id for REST and GraphQL alike. Prefixed ids name their
type; a UUID is looked up across the UUID-keyed types.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

T = TypeVar("T")


@strawberry.interface(description="An object with an id that node(id:) can find again.")
class Node:
    id: strawberry.ID


# prefix -> resolver(info, id) returning a Node or None. A prefix may have several
# resolvers (spec 003's email campaigns and spec 004's ad campaigns both use `camp_`).
_BY_PREFIX: dict[str, list[Callable[[Any, str], Awaitable[Any]]]] = {}
_BY_UUID: list[Callable[[Any, str], Awaitable[Any]]] = []


def register_node(prefix: str | None, resolve: Callable[[Any, str], Awaitable[Any]]) -> None:
    """Make node(id:) find ids with `prefix` (None: UUID-keyed types)."""
    if prefix is None:
        _BY_UUID.append(resolve)
    else:
        _BY_PREFIX.setdefault(prefix, []).append(resolve)


async def resolve_node(info: Any, node_id: str) -> Any:
    prefix, sep, _ = node_id.partition("_")
    candidates = _BY_PREFIX.get(prefix, []) if sep else []
    if not candidates and _is_uuid(node_id):
        candidates = _BY_UUID
    for resolve in candidates:
        node = await resolve(info, node_id)
        if node is not None:
            return node
    return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def from_row(cls: type[T], row: Any, **overrides: Any) -> T:
    """Build a Strawberry type from a table row: its plain fields are read off the row."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(
            f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")
        )
    values = {name: getattr(row, name) for name in names if name not in overrides}
    return cls(**values, **overrides)
