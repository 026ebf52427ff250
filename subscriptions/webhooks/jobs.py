"""Webhook delivery's task on the job engine (gateway/jobs/).

A delivery job runs `delivery.attempt`; a failed attempt is retried on the backoff
schedule (DeliveryFailed.retry_in). At least once: a job whose worker died mid-delivery is
retried by the engine's stalled-job recovery, so the receiver gets the event again with the
same `webhook-id`. The relay (subscriptions/relay.py) defers these jobs in SQL.
"""

from __future__ import annotations

from typing import Any

import procrastinate
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from gateway.jobs.runtime import Runtime
from gateway.observability import metrics
from subscriptions.webhooks import delivery

NAMESPACE = "webhooks"
QUEUE = "webhooks"
TASK_NAME = f"{NAMESPACE}:deliver_webhook"


class _Backoff(BaseRetryStrategy):
    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, delivery.DeliveryFailed) and exception.retry_in is not None:
            return RetryDecision(retry_in={"seconds": exception.retry_in})
        return None


def policy(runtime: Runtime) -> delivery.Policy:
    settings = runtime.settings
    return runtime.once(
        "webhook_policy",
        lambda: delivery.Policy(
            allow_loopback=settings.webhook_allow_loopback,
            timeout_seconds=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            base_delay_seconds=settings.webhook_retry_base_seconds,
            disable_after=settings.webhook_disable_after,
        ),
    )


def blueprint() -> procrastinate.Blueprint:
    tasks = procrastinate.Blueprint()

    # The alias keeps jobs deferred under the name used before tasks had namespaces.
    @tasks.task(
        name="deliver_webhook",
        aliases=["deliver_webhook"],
        queue=QUEUE,
        retry=_Backoff(),
        pass_context=True,
    )
    async def deliver_webhook(context: Any, workspace_id: str, delivery_id: str) -> str:
        runtime: Runtime = context.additional_context["runtime"]
        try:
            outcome = await delivery.attempt(
                runtime.engine, policy(runtime), workspace_id, delivery_id
            )
        except delivery.DeliveryFailed as failed:
            final = failed.retry_in is None
            metrics.WEBHOOK_ATTEMPTS.labels("failed" if final else "retrying").inc()
            raise
        if outcome in ("delivered", "skipped"):
            metrics.WEBHOOK_ATTEMPTS.labels(outcome).inc()
        return outcome

    return tasks
