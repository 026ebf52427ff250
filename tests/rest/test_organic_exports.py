"""Exports: a job makes the file; the status route answers a signed link that works for
its workspace only and until it expires."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import text

from gateway.database import transaction
from models.base import new_id
from models.tenancy import Workspace
from tests.rest import organic_dataset
from tests.utils import accounts
from tests.utils.jobs import run_due_jobs


async def _export(api, workspace, engine, settings, **body):  # type: ignore[no-untyped-def]
    requested = await api.post(
        "/api/analytics/export",
        json={
            "workspaceId": workspace,
            "dateRange": {"start": "2024-03-01", "end": "2024-03-10"},
            **body,
        },
    )
    assert requested.status_code == 200, requested.text
    export_id = requested.json()["data"]["exportId"]
    pending = (await api.get(f"/api/analytics/export/{export_id}")).json()["data"]
    assert pending == {
        "exportId": export_id,
        "status": "processing",
        "downloadUrl": None,
        "expiresAt": None,
    }
    await run_due_jobs(engine, settings)
    return (await api.get(f"/api/analytics/export/{export_id}")).json()["data"]


async def test_an_export_downloads_for_its_workspace_only_until_it_expires(
    api, upload, workspace, engine, settings, sessions, anonymous_client, app
):
    await organic_dataset.load(upload)
    ready = await _export(api, workspace, engine, settings, format="csv", data="funnel")
    assert ready["status"] == "complete" and ready["expiresAt"].endswith("Z")
    link = ready["downloadUrl"].removeprefix("http://gateway.test")
    downloaded = await anonymous_client.get(link)
    assert downloaded.status_code == 200
    assert downloaded.text.splitlines() == [
        "step,count,percentage,dropoff",
        "Visit,4,100.0,",
        "View Product,4,100.0,0.0",
        "Add to Cart,3,75.0,25.0",
        "Checkout,3,75.0,0.0",
        "Purchase,3,75.0,0.0",
    ]
    # Another workspace's member, even holding the link, finds nothing.
    other = new_id("ws")
    async with transaction(sessions) as session:
        session.add(Workspace(id=other, name="Elsewhere", slug=other))
    token = await accounts.owner_token(app, other)
    foreign = await anonymous_client.get(link, headers={"Authorization": f"Bearer {token}"})
    assert foreign.status_code == 404
    tampered = await anonymous_client.get(link[:-4] + "0000")
    assert tampered.status_code == 403
    async with sessions.begin() as session:
        await session.execute(
            text(
                "UPDATE stored_files SET expires_at = now() - interval '1 second' "
                "WHERE workspace_id = :ws"
            ),
            {"ws": workspace},
        )
    assert (await anonymous_client.get(link)).status_code == 410


async def test_every_format_and_dataset(api, upload, workspace, engine, settings, anonymous_client):
    await organic_dataset.load(upload)
    report = await api.post(
        "/api/analytics/reports",
        json={
            "workspaceId": workspace,
            "name": "Mix",
            "config": {"metrics": ["revenue"], "dimensions": ["channel"]},
        },
    )
    report_id = report.json()["data"]["report"]["id"]
    xlsx = await _export(api, workspace, engine, settings, format="xlsx", data="attribution")
    body = (
        await anonymous_client.get(xlsx["downloadUrl"].removeprefix("http://gateway.test"))
    ).content
    assert "xl/worksheets/sheet1.xml" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    custom = await _export(
        api, workspace, engine, settings, format="json", data="custom_report", reportId=report_id
    )
    rows = (
        await anonymous_client.get(custom["downloadUrl"].removeprefix("http://gateway.test"))
    ).json()
    assert rows == [
        {"channel": "blog", "revenue": 90.0},
        {"channel": "email", "revenue": 25.5},
        {"channel": "tiktok", "revenue": 150.0},
    ]
    missing = await api.post(
        "/api/analytics/export",
        json={
            "workspaceId": workspace,
            "data": "custom_report",
            "dateRange": {"start": "2024-03-01", "end": "2024-03-02"},
        },
    )
    assert missing.status_code == 400
