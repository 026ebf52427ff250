"""GraphQL-over-HTTP responses: the media type negotiated from Accept, the status codes
each media type calls for, and no `data` entry when nothing executed."""

from __future__ import annotations

import pytest

from gateway.auth.keys import create_key
from gateway.database import transaction
from gateway.graphql_response import GRAPHQL_RESPONSE, JSON, negotiate

SERIES = "query($m: DashboardMetric!) { dashboardSeries(metric: $m) { total } }"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("text/html", JSON),
        ("application/json", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/json, application/graphql-response+json", GRAPHQL_RESPONSE),
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE),
        ("application/graphql-response+json;q=0.5, application/json", JSON),
        ("application/graphql-response+json;q=0", JSON),
    ],
)
def test_negotiation(accept, chosen):
    assert negotiate(accept) == chosen


@pytest.mark.parametrize(("accept", "status"), [(JSON, 200), (GRAPHQL_RESPONSE, 400)])
async def test_variable_errors_are_request_errors(app_client, accept, status):
    response = await app_client.post(
        "/graphql", json={"query": SERIES, "variables": {"m": "NOPE"}}, headers={"accept": accept}
    )
    assert response.status_code == status
    assert response.headers["content-type"] == accept
    body = response.json()
    assert "data" not in body and body["errors"][0]["extensions"]["code"]


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_an_executed_operation_is_200_even_when_its_data_is_null(
    anonymous_client, app, workspace, accept
):
    async with transaction(app.state.sessions) as session:
        key = await create_key(
            session,
            workspace_id=workspace,
            name="no revenue",
            scopes=["read:analytics"],
            ip_allowlist=[],
            created_by=None,
        )
    response = await anonymous_client.post(
        "/graphql",
        json={"query": SERIES, "variables": {"m": "REVENUE"}},
        headers={"Authorization": f"Bearer {key.secret}", "accept": accept},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == accept
    body = response.json()
    assert body["data"] is None  # execution started: the entry is there, null
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["dashboardSeries"]
