"""Small hand-made datasets, as ingestion records (invented names throughout)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> str:
    return (BASE_TIME + timedelta(days=days, hours=hours)).isoformat()


def user(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"user_{n}",
        "username": f"tester{n}",
        "language": "en",
        "created_at": at(n % 7),
        **kw,
    }


def creator(n: int, **kw: Any) -> dict[str, Any]:
    return {"id": f"user_{n}", "username": f"Studio{n}", "created_at": at(1), **kw}


def character(n: int, creator_n: int | None, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"char_{n}",
        "name": f"Persona {n}",
        "creator_id": f"user_{creator_n}" if creator_n is not None else None,
        "category": "fantasy",
        "tags": ["calm"],
        "created_at": at(2, n),
        **kw,
    }


def message(user_n: int, char_n: int, hours: float = 0, **kw: Any) -> dict[str, Any]:
    return {
        "user_id": f"user_{user_n}",
        "character_id": f"char_{char_n}",
        "created_at": at(3, hours),
        **kw,
    }


@dataclass
class World:
    """Users 1..users, creators among them, characters spread over creators, and messages
    where character k receives k messages from distinct-ish users (so order is known)."""

    users: int = 30
    creators: int = 3
    characters: int = 12
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def build(self) -> World:
        self.records["users"] = [user(n) for n in range(1, self.users + 1)]
        self.records["creators"] = [creator(n) for n in range(1, self.creators + 1)]
        self.records["characters"] = [
            character(n, (n % self.creators) + 1) for n in range(1, self.characters + 1)
        ]
        self.records["messages"] = [
            message(((n + i) % self.users) + 1, n, hours=i)
            for n in range(1, self.characters + 1)
            for i in range(n)
        ]
        return self

    async def load(self, upload: Any) -> World:
        for data_type in ("users", "creators", "characters", "messages"):
            await upload(data_type, self.records[data_type])
        return self
