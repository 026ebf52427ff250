"""A job worker in its own process over the coaching queue (what `gateway worker` runs,
without the other domains' queues), so a test can kill it like an operator's crash would:
`python -m tests.utils.coaching_worker` with DATABASE_URL and the WORKER_* settings."""

from __future__ import annotations

import asyncio

from gateway import jobs
from gateway.database import create_engine
from gateway.settings import Settings
from subscriptions.runtime import worker_options


async def main() -> None:
    settings = Settings()
    url = settings.database_url or ""
    engine = create_engine(url, pool_size=4)
    try:
        runtime = jobs.Runtime(engine, settings)
        job_app = jobs.create_job_app(url)
        await jobs.run_worker(job_app, runtime, worker_options(settings), queues=["coaching"])
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
