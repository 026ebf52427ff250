"""Whole bodies of spec 001's query routes on the fixed rows (tests/utils/ads_builders.py).
Figures measured per request (timings, the process's hit rate, the time of answering) are
blanked; everything else must match. Regenerate after a reviewed change with
UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.rest.test_pipeline_routes import CSV_EXAMPLE, DASHBOARD_EXAMPLE, SERIES_EXAMPLE
from tests.utils import ads_builders

GOLDEN = Path(__file__).parent / "golden"
MEASURED = {"query_time", "total_query_time", "cache_hit_rate"}


def _blanked(body: dict) -> dict:  # type: ignore[type-arg]
    body["timestamp"] = "<now>"
    for key in MEASURED & set(body.get("metadata") or {}):
        body["metadata"][key] = "<measured>"
    return body


async def test_pipeline_golden_bodies(api, upload):
    await ads_builders.load(upload)
    every_metric = {
        **DASHBOARD_EXAMPLE,
        "metrics": [
            {"name": name, "data_type": "meta_ads", "dimensions": ["utm_source", "country"]}
            for name in (
                "total_spend",
                "total_impressions",
                "total_clicks",
                "total_conversions",
                "avg_ctr",
                "avg_cpc",
                "avg_cpm",
                "conversion_rate",
                "roas",
            )
        ],
        "filters": None,
        "granularity": 1800,
    }
    cases = {
        "pipeline_dashboard": await api.post("/v1/query/dashboard", json=DASHBOARD_EXAMPLE),
        "pipeline_dashboard_every_metric": await api.post("/v1/query/dashboard", json=every_metric),
        "pipeline_timeseries": await api.get(SERIES_EXAMPLE),
    }
    mismatches = []
    for name, response in cases.items():
        assert response.status_code == 200, (name, response.text)
        body = _blanked(response.json())
        file = GOLDEN / f"{name}.json"
        if os.environ.get("UPDATE_GOLDEN"):
            file.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        elif json.loads(file.read_text()) != body:
            mismatches.append(name)
    csv = (await api.get(CSV_EXAMPLE.replace("total_spend", "roas"))).text
    file = GOLDEN / "pipeline_export_roas.csv"
    if os.environ.get("UPDATE_GOLDEN"):
        file.write_text(csv)
    elif file.read_text() != csv:
        mismatches.append("pipeline_export_roas")
    assert not mismatches
