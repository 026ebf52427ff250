"""The whole body of every spec 003 read on the fixed dataset (tests/rest/organic_dataset.py),
"now" pinned at 2024-03-10 12:00 UTC. Regenerate after a reviewed change with
UPDATE_GOLDEN=1. `meta` (time, request id) is live and left out."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.rest import organic_dataset

GOLDEN = Path(__file__).parent / "golden" / "organic"
RANGE = "startDate=2024-03-01&endDate=2024-03-10"
CASES = {
    "overview": "/api/dashboard/overview?dateRange=week",
    "metrics": f"/api/dashboard/metrics?metrics[]=revenue&metrics[]=leads&granularity=week&{RANGE}",
    "activity": "/api/dashboard/activity?limit=2&offset=1",
    "content": "/api/content?limit=2",
    "content_search": "/api/content?search=promo&type=email",
    "content_item": "/api/content/cnt_1",
    "calendar": "/api/content/calendar?startDate=2024-03-01&endDate=2024-03-31",
    "campaigns": "/api/email/campaigns",
    "sequences": "/api/email/sequences",
    "leads": "/api/email/leads?tags[]=customer&limit=1",
    "channels": f"/api/analytics/channels?granularity=week&{RANGE}",
    "funnel": f"/api/analytics/funnel?{RANGE}",
    "attribution_linear": f"/api/analytics/attribution?model=linear&{RANGE}",
    "attribution_time_decay": f"/api/analytics/attribution?model=time-decay&{RANGE}",
    "integrations": "/api/integrations",
}


def _stable(body: dict) -> dict:
    body.pop("meta")
    data = body["data"]
    if "leads" in data:  # a cursor encodes the row's time and id: stable, but opaque
        data["pagination"]["nextCursor"] = bool(data["pagination"]["nextCursor"])
    return body


async def test_golden_bodies(api, upload, workspace) -> None:
    await organic_dataset.load(upload)
    mismatches = []
    GOLDEN.mkdir(exist_ok=True)
    for name, path in CASES.items():
        joiner = "&" if "?" in path else "?"
        response = await api.get(f"{path}{joiner}workspaceId={workspace}")
        assert response.status_code == 200, (path, response.text)
        body = _stable(response.json())
        file = GOLDEN / f"{name}.json"
        if os.environ.get("UPDATE_GOLDEN"):
            file.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        elif json.loads(file.read_text()) != body:
            mismatches.append(name)
    assert not mismatches
