"""An idle Redis broker is quiet: XREAD's block ends before the socket's timeout, so waiting
for events never raises (it used to log a TimeoutError traceback every few seconds)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from subscriptions.broker import BLOCK_SECONDS, RedisBroker
from subscriptions.hub import Hub
from tests.utils.services import redis_url

pytestmark = [pytest.mark.redis, pytest.mark.slow]


async def test_an_idle_redis_broker_logs_nothing(caplog):
    broker = RedisBroker(Hub(queue_size=8), 60, redis_url())
    caplog.set_level(logging.INFO, logger="subscriptions.broker")
    await broker.start()
    try:
        await asyncio.sleep(BLOCK_SECONDS + 1.5)  # past one whole XREAD block
        heard: list[object] = []
        broker.listen("test:ping", heard.append)
        await broker.announce("test:ping", {"n": 1})
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.02)
    finally:
        await broker.stop()
    assert heard == [{"n": 1}]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
