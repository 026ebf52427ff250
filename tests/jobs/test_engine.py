"""The job engine: every domain's tasks are registered, a job deferred in a transaction
exists exactly when that transaction commits, and a worker runs it."""

from __future__ import annotations

from typing import Any

import procrastinate
import pytest
from sqlalchemy import text

from gateway import jobs
from gateway.database import transaction
from gateway.jobs import engine as job_engine
from tests.utils.jobs import run_due_jobs

_RAN: list[dict[str, Any]] = []


def blueprint() -> procrastinate.Blueprint:
    """A real task in its own namespace, registered the way every domain registers its own."""
    tasks = procrastinate.Blueprint()

    @tasks.task(name="record", queue="probe", pass_context=True)
    async def record(context: Any, marker: str) -> None:
        runtime: jobs.Runtime = context.additional_context["runtime"]
        assert runtime.settings.database_url
        _RAN.append({"marker": marker})

    return tasks


@pytest.fixture
def probe_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(job_engine.BLUEPRINTS, "probe", __name__)
    _RAN.clear()


def test_every_namespace_is_registered_in_a_new_app_each_time() -> None:
    first = jobs.create_job_app("postgresql://postgres@127.0.0.1/unused")
    second = jobs.create_job_app("postgresql://postgres@127.0.0.1/unused")
    for namespace in job_engine.BLUEPRINTS:
        assert any(name.startswith(f"{namespace}:") for name in first.tasks)
    ours = {name for name in first.tasks if name.split(":")[0] in job_engine.BLUEPRINTS}
    assert ours == {n for n in second.tasks if n.split(":")[0] in job_engine.BLUEPRINTS}


async def _jobs_with(sessions: Any, marker: str) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                text("SELECT count(*) FROM procrastinate_jobs WHERE args->>'marker' = :m"),
                {"m": marker},
            )
            or 0
        )


async def test_a_job_exists_exactly_when_its_transaction_commits(
    probe_tasks: None, engine: Any, sessions: Any, settings: Any
) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await jobs.defer(session, "probe:record", queue="probe", args={"marker": "undone"})
            raise RuntimeError("the write failed")
    assert await _jobs_with(sessions, "undone") == 0

    async with transaction(sessions) as session:
        await jobs.defer(session, "probe:record", queue="probe", args={"marker": "kept"})
    assert await _jobs_with(sessions, "kept") == 1

    await run_due_jobs(engine, settings, queues=["probe"])
    assert _RAN == [{"marker": "kept"}]
    async with sessions() as session:
        status = await session.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE args->>'marker' = 'kept'")
        )
    assert status == "succeeded"
