"""Persisted documents: Apollo's APQ protocol by hash, and PERSISTED_QUERIES=trusted, which
runs only registered documents (and the dashboard page's own)."""

from __future__ import annotations

import asyncio
import json
import uuid
from contextlib import asynccontextmanager

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from typer.testing import CliRunner

from gateway import trusted_documents
from gateway.app import create_app
from gateway.cli import app as cli_app
from gateway.dashboard import page_documents
from gateway.persisted_documents import document_hash
from tests.subscriptions.conftest import next_message
from tests.utils import accounts

QUERY = "query PersistedProbe { aiAgents { id } }"
GRAPHQL_RESPONSE = "application/graphql-response+json"


def persisted(sha256: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256}}


async def test_apq_by_hash_then_text_then_hash(app_client):
    query = f"query Apq {{ a{uuid.uuid4().hex}: aiAgents {{ id }} }}"  # new in every run
    sha = document_hash(query)
    missing = await app_client.post("/graphql", json={"extensions": persisted(sha)})
    assert missing.status_code == 200
    assert missing.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    modern = await app_client.post(
        "/graphql", json={"extensions": persisted(sha)}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert modern.status_code == 400 and modern.headers["content-type"] == GRAPHQL_RESPONSE

    registered = await app_client.post(
        "/graphql", json={"query": query, "extensions": persisted(sha)}
    )
    assert registered.status_code == 200 and "errors" not in registered.json()
    by_hash = await app_client.post("/graphql", json={"extensions": persisted(sha)})
    assert by_hash.json() == registered.json()
    over_get = await app_client.get("/graphql", params={"extensions": json.dumps(persisted(sha))})
    assert over_get.status_code == 200 and over_get.json() == registered.json()


async def test_a_hash_must_match_its_text(app_client):
    answer = await app_client.post(
        "/graphql", json={"query": QUERY, "extensions": persisted("0" * 64)}
    )
    assert answer.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "data" not in answer.json()
    bad = await app_client.post(
        "/graphql", json={"query": QUERY, "extensions": {"persistedQuery": {"version": 2}}}
    )
    assert bad.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


async def test_anonymous_callers_cannot_fill_the_store(anonymous_client, app_client):
    query = f"query Sneaky {{ a{uuid.uuid4().hex}: aiAgents {{ name }} }}"
    sha = document_hash(query)
    refused = await anonymous_client.post(
        "/graphql", json={"query": query, "extensions": persisted(sha)}
    )
    assert refused.status_code == 401
    later = await app_client.post("/graphql", json={"extensions": persisted(sha)})
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@asynccontextmanager
async def trusted_app(settings):  # type: ignore[no-untyped-def]
    app = create_app(
        settings.model_copy(
            update={
                "persisted_queries": "trusted",
                "relay_in_app": False,
                "worker_in_app": False,
                "migrate_on_start": False,
            }
        )
    )
    async with LifespanManager(app, startup_timeout=60):
        yield app


def _manifest(tmp_path, *documents: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "manifest.json"
    operations = [
        {"id": document_hash(d), "name": f"op{i}", "body": d} for i, d in enumerate(documents)
    ]
    path.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1,
                                "operations": operations}))  # fmt: skip
    return path


async def test_trusted_mode_runs_only_registered_documents(settings, workspace, tmp_path):
    known = "query TrustedProbe { aiAgents { id name } }"
    async with trusted_app(settings) as app:
        token = await accounts.owner_token(app, workspace)
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=headers
        ) as http:
            stranger = await http.post("/graphql", json={"query": "{ aiAgents { id } }"})
            assert (
                stranger.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"
            )
            assert "data" not in stranger.json()
            apq = await http.post(
                "/graphql", json={"query": known, "extensions": persisted(document_hash(known))}
            )
            assert apq.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"

            documents = trusted_documents.read_file(_manifest(tmp_path, known))
            assert await trusted_documents.register(app.state.sessions, documents) == 1
            assert await trusted_documents.register(app.state.sessions, documents) == 0
            by_hash = await http.post(
                "/graphql", json={"extensions": persisted(document_hash(known))}
            )
            assert by_hash.json() == {"data": {"aiAgents": []}}
            by_text = await http.post("/graphql", json={"query": known})
            assert by_text.json() == {"data": {"aiAgents": []}}
            page = next(b for n, b in page_documents() if n == "Agents")
            dashboard = await http.post("/graphql", json={"query": page})
            assert dashboard.json() == {"data": {"aiAgents": []}}  # the page's own documents


async def test_trusted_mode_covers_subscriptions(settings, workspace):  # fmt: skip
    from websockets.asyncio.client import connect

    async with trusted_app(settings) as app:
        token = await accounts.owner_token(app, workspace)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            async with connect(
                f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"]
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init", "payload": {"token": token}}))
                assert (await next_message(ws))["type"] == "connection_ack"
                untrusted = "subscription { agentUpdates { agentId } }"
                await ws.send(
                    json.dumps({"id": "1", "type": "subscribe", "payload": {"query": untrusted}})
                )
                refused = await next_message(ws)
                assert refused["type"] == "error" and refused["id"] == "1"
                assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_TRUSTED"
                page = next(b for n, b in page_documents() if n == "AgentUpdates")
                await ws.send(
                    json.dumps({"id": "2", "type": "subscribe", "payload": {"query": page}})
                )
                with pytest.raises(TimeoutError):  # accepted: it waits for agent updates
                    await next_message(ws, timeout=0.5)
        finally:
            server.should_exit = True
            await task


def test_registration_refuses_wrong_ids_and_invalid_documents(tmp_path):
    bad_id = tmp_path / "bad.json"
    bad_id.write_text(json.dumps({"0" * 64: QUERY}))
    with pytest.raises(trusted_documents.InvalidDocuments, match="is not the sha256"):
        trusted_documents.read_file(bad_id)
    invalid = tmp_path / "typo.graphql"
    invalid.write_text("query Typo { aiAgentz { id } }")
    with pytest.raises(trusted_documents.InvalidDocuments, match="aiAgentz"):
        trusted_documents.read_file(invalid)


def test_cli_adds_lists_and_removes(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    document = tmp_path / "cli_probe.graphql"
    document.write_text("query CliProbe { aiAgents { status } }")
    sha = document_hash(document.read_text())
    runner = CliRunner()
    added = runner.invoke(cli_app, ["trusted-documents", "add", str(document)])
    assert added.exit_code == 0, added.output
    assert "1 new of 1 documents" in added.output
    listed = runner.invoke(cli_app, ["trusted-documents", "list"])
    assert f"{sha}  cli_probe" in listed.output
    removed = runner.invoke(cli_app, ["trusted-documents", "remove", sha])
    assert "removed" in removed.output
    refused = runner.invoke(cli_app, ["trusted-documents", "add", str(tmp_path / "none.json")])
    assert refused.exit_code == 1


def test_the_dashboard_manifest_is_current_and_valid(tmp_path):
    from gateway.dashboard import documents_manifest
    from gateway.persisted_documents import DASHBOARD_DOCUMENTS

    assert DASHBOARD_DOCUMENTS.read_text() == documents_manifest(), (
        "run `python -m gateway.devtools dashboard-documents`"
    )
    names = [name for name, _ in page_documents()]
    assert len(names) == len(set(names)) >= 8
    assert len(trusted_documents.read_file(DASHBOARD_DOCUMENTS)) == len(names)  # all validate
