"""Fixtures: one fresh, migrated database per test run, and a fresh workspace per test.

Every row is workspace-scoped, so a test that works in its own workspace sees only its own
data while the run shares one database (and one migration).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from strawberry.types import ExecutionResult

from gateway.app import create_app
from gateway.bootstrap import prepare_database
from gateway.database import create_engine, session_factory, transaction
from gateway.ingestion import IngestResult, ingest
from gateway.principal import Principal
from gateway.settings import Settings
from models.base import new_id
from models.tenancy import Workspace
from resolvers.context import build_context
from resolvers.schema import schema
from tests.utils import services

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with services.database_server(tmp_path_factory.mktemp("embedded")) as url:
        yield url


@pytest.fixture(scope="session")
async def database_url(server_url: str) -> AsyncIterator[str]:
    url = await services.create_database(server_url)
    yield url
    await services.drop_database(server_url, url)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="development", _env_file=None)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url or "", pool_size=5)
    await prepare_database(engine, settings)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)


@pytest.fixture
async def workspace(sessions: async_sessionmaker[AsyncSession]) -> str:
    """A new, empty workspace for this test."""
    workspace_id = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=workspace_id, name="Test workspace", slug=workspace_id))
    return workspace_id


Upload = Callable[..., Awaitable[IngestResult]]


@pytest.fixture
def upload(sessions: async_sessionmaker[AsyncSession], workspace: str) -> Upload:
    """Ingest records into the test's workspace, exactly as every entry point does."""

    async def run(data_type: str, records: list[dict[str, Any]], **kw: Any) -> IngestResult:
        kw.setdefault("workspace_id", workspace)
        async with transaction(sessions) as session:
            return await ingest(session, data_type=data_type, records=records, **kw)

    return run


GraphQL = Callable[..., Awaitable[ExecutionResult]]


@pytest.fixture
def graphql(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], workspace: str
) -> GraphQL:
    """Execute an operation against the schema in the test's workspace."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> ExecutionResult:
        principal = kw.pop("principal", None) or Principal(
            workspace_id=kw.pop("workspace_id", workspace), subject="test"
        )
        context = build_context(settings=settings, sessions=sessions, principal=principal)
        return await schema.execute(query, variable_values=variables, context_value=context)

    return run


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_: Any) -> None:
        self.count += 1


@pytest.fixture
def count_statements(engine: AsyncEngine) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine.sync_engine, "before_cursor_execute", counter)


@pytest.fixture(scope="session")
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The whole ASGI app over HTTP (default workspace). It runs no relay or webhook worker:
    the live-updates tests' server (tests/subscriptions) owns those for the shared database."""
    app = create_app(settings.model_copy(update={"relay_in_app": False, "worker_in_app": False}))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client
