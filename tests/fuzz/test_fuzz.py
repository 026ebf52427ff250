"""Bounded, seeded fuzz passes: schemathesis over /openapi.json (every declared REST route)
and over /graphql (every query and mutation field), a few examples of each operation, valid
and invalid. Whatever they send, the gateway never answers 5xx (nor, on /graphql, an
unexpected error). tests/fuzz/conftest.py says why nothing leaves 127.0.0.1.

The operations are walked here rather than with schemathesis' pytest plugin, which does not
run under the pytest this suite uses."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from schemathesis import GenerationMode

from tests.fuzz.conftest import FuzzTarget

pytestmark = pytest.mark.fuzz

EXAMPLES_PER_OPERATION = 3
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,  # the same examples on every run
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# The schema's own scalars, as a client would write them (and some it should not).
schemathesis.graphql.scalar(
    "JSON",
    st.one_of(st.text(max_size=20), st.integers()).map(
        lambda v: nodes.String(v) if isinstance(v, str) else nodes.Int(v)
    ),
)
schemathesis.graphql.scalar("Date", st.dates().map(str).map(nodes.String))
schemathesis.graphql.scalar(
    "DateTime", st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()).map(nodes.String)
)
schemathesis.graphql.scalar("Time", st.times().map(str).map(nodes.String))
schemathesis.graphql.scalar(
    "Decimal",
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str).map(nodes.String),
)


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _fuzz(operations: list[Any], target: FuzzTarget, modes: list[GenerationMode]) -> list[str]:
    """Every operation's examples; the 5xx (and unexpected GraphQL errors) found."""
    session = requests.Session()
    found: list[str] = []
    for operation in operations:
        for mode in modes:
            label = f"{operation.label} [{mode.value}]"
            _examples(operation.as_strategy(generation_mode=mode), label, target, session, found)
    return found


def _examples(
    strategy: Any, label: str, target: FuzzTarget, session: Any, found: list[str]
) -> None:
    @BOUNDED
    @given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(
            base_url=target.base_url, headers=target.headers, session=session, timeout=30
        )
        problem = _problem(response)
        if problem:
            found.append(f"{label} {problem}")

    run()


def _problem(response: Any) -> str | None:
    if response.status_code >= 500:
        return (
            f"{response.request.method} {response.request.url} -> {response.status_code}: "
            + (response.text[:300])
        )
    if response.request.url.endswith("/graphql") and response.status_code == 200:
        errors = response.json().get("errors") or []
        unexpected = [
            e for e in errors if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"
        ]
        if unexpected:
            return f"unexpected error {unexpected[0]} for {response.request.body!r}"[:600]
    return None


def test_rest_routes_never_answer_5xx(fuzz_target: FuzzTarget) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_target.base_url}/openapi.json")
    operations = _operations(schema)
    assert len(operations) >= 25
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    assert _fuzz(operations, fuzz_target, modes) == []


def test_graphql_fields_never_answer_5xx(fuzz_target: FuzzTarget) -> None:
    schema = schemathesis.graphql.from_url(
        f"{fuzz_target.base_url}/graphql", headers=fuzz_target.headers
    )
    operations = _operations(schema)
    assert len(operations) >= 50
    assert _fuzz(operations, fuzz_target, [GenerationMode.POSITIVE]) == []
