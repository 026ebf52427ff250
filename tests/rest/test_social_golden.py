"""The whole body of every spec 004 read on a fixed dataset (the hand-computed one of
tests/rest/test_social_analytics.py, plus posts, campaigns and settings), the app's clock
pinned at 2024-03-10 12:00 UTC. Regenerate after a reviewed change with UPDATE_GOLDEN=1.
Live times are left out: the envelope's `timestamp`, and the moment an answer was computed
(`updatedAt`, or a `lastUpdate` without reports), which read "<now>"."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.rest.test_social_analytics import _dataset
from tests.utils.social_builders import agent_report

GOLDEN = Path(__file__).parent / "golden" / "social"
CASES = {
    "dashboard_metrics_7d": "/v1/dashboard/metrics?timeRange=7d",
    "dashboard_metrics_30d": "/v1/dashboard/metrics?timeRange=30d",
    "dashboard_agents": "/v1/dashboard/agents",
    "analytics_overview": "/v1/analytics/overview?timeRange=7d",
    "analytics_trends": "/v1/analytics/trends?timeRange=30d&metric=reach",
    "analytics_platforms": "/v1/analytics/platforms?timeRange=90d",
    "posts": "/v1/posts?limit=3&page=1",
    "posts_published": "/v1/posts?status=published&platform=instagram",
    "campaigns": "/v1/campaigns",
    "settings_business": "/v1/settings/business",
    "settings_brand": "/v1/settings/brand",
    "social_accounts": "/v1/social/accounts",
}


def _now(value: object) -> bool:
    """A time within a minute of the real clock (not of the pinned one): when computed."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return abs(datetime.now(UTC) - moment) < timedelta(minutes=1)


def _stable(body: object) -> object:
    if isinstance(body, dict):
        return {
            k: "<now>" if k in ("updatedAt", "lastUpdate") and _now(v) else _stable(v)
            for k, v in body.items()
            if k != "timestamp"
        }
    if isinstance(body, list):
        return [_stable(v) for v in body]
    return body


async def test_golden_bodies(api, upload) -> None:  # type: ignore[no-untyped-def]
    await _dataset(upload)
    await upload(
        "agent_status",
        [
            agent_report("content", 1, name="Content Agent", status="active", efficiency=96,
                         current_task="Drafting a carousel", tasks_completed=234,
                         tasks_in_progress=5, average_time=28, success_rate=99.1,
                         next_action="Write a script", priority="high"),
            agent_report("analytics", 3, name="Analytics Agent", status="idle", efficiency=70,
                         tasks_completed=12, tasks_in_progress=0, average_time=40,
                         success_rate=88.5, next_action="Wait for data", priority="low",
                         current_task="Idle"),
        ],
    )  # fmt: skip
    mismatches = []
    GOLDEN.mkdir(exist_ok=True)
    for name, path in CASES.items():
        response = await api.get(path)
        assert response.status_code == 200, (path, response.text)
        body = _stable(response.json())
        file = GOLDEN / f"{name}.json"
        if os.environ.get("UPDATE_GOLDEN"):
            file.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        # as text, so that key order and number types (94 against 94.0) count too
        elif json.dumps(json.loads(file.read_text())) != json.dumps(body):
            mismatches.append(name)
    assert not mismatches
