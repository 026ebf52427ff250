"""What a task may use: the engine, a session factory and the settings (adapters are built
from the settings by each domain, gateway/adapters/)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    from gateway.settings import Settings


@dataclass
class Runtime:
    engine: AsyncEngine
    settings: Settings
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    # Per-process objects a domain builds once (adapters, clients), by name.
    shared: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from gateway.database import session_factory

        self.sessions = session_factory(self.engine)

    def once(self, name: str, build: Any) -> Any:
        """`build()` the first time `name` is asked for in this process, then the same object."""
        if name not in self.shared:
            self.shared[name] = build()
        return self.shared[name]
