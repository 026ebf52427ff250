"""Run a coroutine at once, in the caller, and hand it to a task only if it has to wait.

A group's fan-out writes one message to thousands of sockets. Each write (the ASGI `send`
down to the transport) finishes without waiting unless that socket's buffer is full, so a
task per write would be thousands of task creations and loop turns for nothing. Here the
write runs inline; only a write that really waits (a client not reading) gets a task, and
the others go on. (Python 3.12's eager task factory does the same for every task.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def start_now(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any] | None:
    """None if `coro` finished (its exception, if any, is raised here); otherwise the task
    that finishes it from where it stopped."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_resume(coro, waiting))


async def _resume(coro: Coroutine[Any, Any, Any], waiting: Any) -> None:
    # What asyncio.Task does for a coroutine, from the future it first yielded.
    while True:
        try:
            if waiting is None:  # a bare yield (asyncio.sleep(0)): one loop turn
                await asyncio.sleep(0)
            else:
                await waiting
        except BaseException as exc:  # the future failed, or this task was cancelled
            try:
                waiting = coro.throw(exc)
            except StopIteration:
                return
        else:
            try:
                waiting = coro.send(None)
            except StopIteration:
                return
