"""uploadData: the same ingestion path as REST and the CLI, with GraphQL errors."""

from __future__ import annotations

UPLOAD = """
mutation Up($type: String!, $data: [JSON!]!, $batch: String) {
  uploadData(dataType: $type, data: $data, batchId: $batch) {
    batchId dataType recordsReceived recordsInserted recordsUpdated duplicate
  }
}
"""


async def test_upload_then_resend(graphql):
    records = [{"id": "user_g1", "created_at": "2024-04-01T00:00:00Z"}]
    first = await graphql(UPLOAD, {"type": "users", "data": records, "batch": "gql-1"})
    assert first.errors is None, first.errors
    assert first.data["uploadData"] == {
        "batchId": "gql-1",
        "dataType": "users",
        "recordsReceived": 1,
        "recordsInserted": 1,
        "recordsUpdated": 0,
        "duplicate": False,
    }
    again = await graphql(UPLOAD, {"type": "users", "data": records, "batch": "gql-1"})
    assert again.data["uploadData"]["duplicate"] is True
    found = await graphql('{ platformUser(id: "user_g1") { id } }')
    assert found.data == {"platformUser": {"id": "user_g1"}}


async def test_invalid_rows_are_listed_in_extensions(graphql):
    records = [{"id": "user_g2", "created_at": "2024-04-01T00:00:00Z"}, {"id": "user_g3"}]
    result = await graphql(UPLOAD, {"type": "users", "data": records})
    assert result.data is None
    (error,) = result.errors
    assert error.extensions["code"] == "VALIDATION_ERROR"
    assert error.extensions["rows"] == [
        {"index": 1, "field": "created_at", "message": "Field required"}
    ]
    missing = await graphql('{ platformUser(id: "user_g2") { id } }')
    assert missing.data == {"platformUser": None}


async def test_unknown_type_names_the_known_ones(graphql):
    result = await graphql(UPLOAD, {"type": "horoscopes", "data": []})
    assert "users" in result.errors[0].extensions["known"]


async def test_graphiql_in_development(app_client):
    response = await app_client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
