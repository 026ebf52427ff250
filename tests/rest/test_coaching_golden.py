"""The whole body of every spec 002 read on the fixed hub (tests/utils/coaching.py's
small_hub), "now" pinned at 2024-03-10 12:00 UTC. Regenerate after a reviewed change with
UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.utils import coaching as co

GOLDEN = Path(__file__).parent / "golden" / "coaching"
KB, DOC = co.uid("kb", 1), co.uid("doc", 1)
RANGE = "start_date=2024-03-01&end_date=2024-03-06"
CASES = {
    "documents": f"/api/v1/knowledge-bases/{KB}/documents",
    "documents_pending": f"/api/v1/knowledge-bases/{KB}/documents?status=pending&limit=1",
    "document": f"/api/v1/knowledge-bases/{KB}/documents/{DOC}",
    "programs": "/api/v1/programs",
    "programs_published": "/api/v1/programs?status=published",
    "program": f"/api/v1/programs/{co.uid('program', 1)}",
    "users": "/api/v1/users?sort=engagement_score&order=desc",
    "users_web_active": "/api/v1/users?channel=web&status=active",
    "user": f"/api/v1/users/{co.uid('user', 1)}",
    "channels": "/api/v1/channels",
    "channel_analytics": f"/api/v1/channels/{co.uid('channel', 1)}/analytics?{RANGE}",
    "overview": "/api/v1/analytics/overview?period=30d",
    "detailed_interactions": f"/api/v1/analytics/detailed?metric=interactions&{RANGE}",
    "detailed_users_weekly": f"/api/v1/analytics/detailed?metric=users&granularity=week&{RANGE}",
    "rules": "/api/v1/proactive-engine/rules",
    "rules_analytics": f"/api/v1/proactive-engine/analytics?{RANGE}",
}


def _fixed_hub() -> dict[str, list[dict[str, Any]]]:
    """small_hub with fixed ids where it lets ingestion pick them (they are in the bodies,
    and ties on time are broken by id)."""
    hub = co.small_hub()
    for kind in ("interactions", "enrollments"):
        for n, record in enumerate(hub[kind], start=1):
            record["id"] = f"00000000-0000-4000-8000-{0xA0 + len(kind):04x}{n:08x}"
    return hub


async def test_golden_bodies(api: Any, upload: Any) -> None:
    await co.load_hub(upload, _fixed_hub())
    mismatches = []
    GOLDEN.mkdir(exist_ok=True)
    for name, path in CASES.items():
        response = await api.get(path)
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        file = GOLDEN / f"{name}.json"
        if os.environ.get("UPDATE_GOLDEN"):
            file.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        elif json.loads(file.read_text()) != body:
            mismatches.append(name)
    assert not mismatches
