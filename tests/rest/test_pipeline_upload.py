"""POST /v1/data/upload answers in spec 001's envelope, whole bodies compared."""

from __future__ import annotations

import uuid

import pytest

RESPONSE_KEYS = {"success", "data", "metadata", "message", "timestamp"}
ERROR_KEYS = {"success", "data", "metadata", "message", "timestamp", "error_code", "details"}


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


async def test_upload_answers_in_spec_001_format(app_client):
    batch_id = unique("batch")
    body = {
        "data_type": "users",
        "data": [{"id": unique("user"), "created_at": "2024-09-29T00:00:00Z"}],
        "batch_id": batch_id,
    }
    response = await app_client.post("/v1/data/upload", json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert set(payload) == RESPONSE_KEYS
    assert payload["data"] == {
        "batch_id": batch_id,
        "records_received": 1,
        "data_type": "users",
        "status": "processed",
    }
    assert set(payload["metadata"]) == {
        "query_time",
        "cache_hit_rate",
        "data_points",
        "memory_usage",
    }
    assert payload["metadata"]["data_points"] == 1
    again = (await app_client.post("/v1/data/upload", json=body)).json()
    assert again["data"]["status"] == "duplicate_ignored"


async def test_invalid_rows_get_422_with_each_row(app_client):
    body = {
        "data_type": "users",
        "data": [
            {"id": unique("user"), "created_at": "2024-09-29T00:00:00Z"},
            {"id": "nope", "created_at": "2024-09-29T00:00:00Z"},
            {"id": unique("user")},
        ],
    }
    response = await app_client.post("/v1/data/upload", json=body)
    assert response.status_code == 422
    payload = response.json()
    assert set(payload) == ERROR_KEYS
    assert payload["success"] is False and payload["error_code"] == "VALIDATION_ERROR"
    fields = [d["field"] for d in payload["details"]]
    assert fields == ["data[1].id", "data[2].created_at"]
    assert all(set(d) == {"field", "message"} for d in payload["details"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"data": []}, "data_type"),
        ({"data_type": "users"}, "data"),
        ({"data_type": "users", "data": [], "batch_id": 7}, "batch_id"),
    ],
)
async def test_malformed_upload_bodies(app_client, body, field):
    response = await app_client.post("/v1/data/upload", json=body)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == field


async def test_unknown_data_type_lists_the_known_ones(app_client):
    response = await app_client.post("/v1/data/upload", json={"data_type": "tarot", "data": []})
    assert response.status_code == 422
    assert (
        "meta_ads" in response.json()["details"][0]["message"]
        or "users" in response.json()["details"][0]["message"]
    )


async def test_invalid_json_is_400(app_client):
    response = await app_client.post(
        "/v1/data/upload", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_JSON"


async def test_malformed_graphql_gets_graphql_over_http_errors(app_client):
    # application/json: 200 for any well-formed request; graphql-response+json: 400.
    for accept, status in (("application/json", 200), ("application/graphql-response+json", 400)):
        response = await app_client.post(
            "/graphql", json={"query": "{ characters { "}, headers={"accept": accept}
        )
        assert response.status_code == status
        assert response.headers["content-type"] == accept
        assert "data" not in response.json()  # nothing ran
        error = response.json()["errors"][0]
        assert error["message"].startswith("Syntax Error")
        assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_unknown_field_is_a_validation_error(app_client):
    response = await app_client.post("/graphql", json={"query": "{ nothingHere }"})
    assert response.status_code == 200 and "data" not in response.json()
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    modern = await app_client.post(
        "/graphql",
        json={"query": "{ nothingHere }"},
        headers={"accept": "application/graphql-response+json, application/json;q=0.9"},
    )
    assert modern.status_code == 400


async def test_graphql_over_get(app_client):
    response = await app_client.get(
        "/graphql", params={"query": "{ characters(first: 1) { totalCount } }"}
    )
    assert response.status_code == 200
    assert "totalCount" in response.json()["data"]["characters"]
