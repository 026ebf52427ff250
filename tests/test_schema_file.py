"""schema.graphql, committed, must equal the schema the code prints."""

from pathlib import Path

from resolvers.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_file_is_current() -> None:
    printed = schema.as_str() + "\n"
    assert SCHEMA_FILE.read_text() == printed, "schema.graphql is stale: run `make schema`"
