"""Fixtures: one fresh, migrated database per test run, and a fresh workspace per test.

Every row is workspace-scoped, so a test that works in its own workspace sees only its own
data while the run shares one database (and one migration).
"""

from __future__ import annotations

import os
import uuid
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
from tests.utils import accounts as accounts_util
from tests.utils import services
from tests.utils.compiled import assert_paths_agree

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
    # Limits are generous for the shared app (every test calls from 127.0.0.1);
    # tests/test_rate_limits.py builds apps with real budgets.
    # No relay or webhook worker by default: only the live-updates tests' server runs them,
    # so no other app in this process competes for its jobs.
    return Settings(
        database_url=database_url,
        environment="development",
        rate_limit_scale=1000,
        relay_in_app=False,
        worker_in_app=False,
        # A test runs the proactive engine over its own workspace, at its own times.
        proactive_schedule=False,
        secret_key=f"test-signing-secret-{uuid.uuid4().hex}",
        _env_file=None,
    )


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
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    workspace: str,
    request: pytest.FixtureRequest,
) -> GraphQL:
    """Execute an operation against the schema in the test's workspace."""
    # A test that counts statements or cache hits must see only its own query's.
    compare = request.node.get_closest_marker("counts_side_effects") is None

    async def run(
        query: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> ExecutionResult:
        principal = kw.pop("principal", None) or Principal(
            workspace_id=kw.pop("workspace_id", workspace), subject="test"
        )
        context = build_context(settings=settings, sessions=sessions, principal=principal, **kw)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        # Every query of the suite also runs through the compiled read path, as this caller,
        # without scopes and from another workspace: where it answers, it must agree.
        if compare:
            await assert_paths_agree(
                schema, query, variables, principal, expected=result,
                settings=settings, sessions=sessions, **kw,
            )  # fmt: skip
        return result

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
async def app(settings: Settings) -> AsyncIterator[Any]:
    """The whole ASGI app, started (lifespan) once for the run."""
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=120, shutdown_timeout=60):
        yield application


@pytest.fixture(scope="session")
async def owner_token(app: Any, settings: Settings) -> str:
    """An access token of an owner of the default workspace."""
    return await accounts_util.owner_token(app, settings.default_workspace_id)


@pytest.fixture(scope="session")
async def app_client(app: Any, owner_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP as an owner of the default workspace."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {owner_token}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gateway.test", headers=headers
    ) as client:
        yield client


@pytest.fixture(scope="session")
async def anonymous_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP with no credentials."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
