"""The job engine: procrastinate on the gateway's own PostgreSQL, for every kind of long or
scheduled work (webhook delivery, publishing, generation, document processing, program
flows, proactive rules, syncs, exports).

- Each domain keeps its tasks in its own module, as a function `blueprint()` returning a
  fresh `procrastinate.Blueprint` (procrastinate renames a blueprint's tasks when an app
  takes them, so one blueprint object cannot serve two apps). `engine.BLUEPRINTS` lists
  them by namespace; a task's full name is `<namespace>:<name>`.
- Jobs are deferred in the transaction of the write that wants them (`defer.defer`), so
  a job exists exactly when its write committed, like the outbox.
- A task reads `context.additional_context["runtime"]` (`runtime.Runtime`: the engine,
  sessions and settings) and is idempotent: a retry or a worker restart never repeats a
  step (keep progress in the domain row and check it before acting).
- The app runs a worker in-process (WORKER_IN_APP, the default); `gateway worker` runs the
  same worker on its own, and any number of them may run side by side.
"""

from gateway.jobs.defer import defer
from gateway.jobs.engine import WorkerOptions, apply_schema, create_job_app, run_worker
from gateway.jobs.runtime import Runtime

__all__ = ["Runtime", "WorkerOptions", "apply_schema", "create_job_app", "defer", "run_worker"]
