"""Registering trusted documents (PERSISTED_QUERIES=trusted runs only these), from files:

- an Apollo persisted-query manifest: `{"format": "apollo-persisted-query-manifest",
  "version": 1, "operations": [{"id": "<sha256>", "name": "...", "body": "..."}]}`;
- a JSON object `{"<sha256>": "<document>"}` (graphql-codegen's persisted documents);
- a `.graphql` file: the whole file is one document.

Each document must parse and validate against the schema, and a given id must be the
sha256 of its body; otherwise nothing from that file is registered.

`gateway trusted-documents add FILE...`, `... list`, `... remove SHA256`.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer
from graphql import GraphQLError, parse, validate
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.persisted_documents import document_hash
from models.system import TrustedDocument

cli = typer.Typer(help="Documents that PERSISTED_QUERIES=trusted lets run.", no_args_is_help=True)


class InvalidDocuments(ValueError):
    pass


def read_file(path: Path) -> list[tuple[str, str, str | None]]:
    """(sha256, document, name) for every document in the file, checked."""
    text = path.read_text()
    if path.suffix in (".graphql", ".gql"):
        entries = [(None, text, path.stem)]
    else:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
            entries = [(op.get("id"), op["body"], op.get("name")) for op in data["operations"]]
        elif isinstance(data, dict):
            entries = [(sha, body, None) for sha, body in data.items()]
        else:
            raise InvalidDocuments(f"{path}: not a manifest, a JSON object or a .graphql file")
    return [_checked(path, *entry) for entry in entries]


def _checked(
    path: Path, sha: str | None, body: str, name: str | None
) -> tuple[str, str, str | None]:
    import gateway.app  # noqa: F401  (imported first, as the server does: it orders the cycle)
    from resolvers.schema import schema

    actual = document_hash(body)
    if sha is not None and sha.lower() != actual:
        raise InvalidDocuments(f"{path}: id {sha} is not the sha256 of its body ({actual})")
    try:
        errors = validate(schema._schema, parse(body))
    except GraphQLError as exc:
        errors = [exc]
    if errors:
        raise InvalidDocuments(f"{path}: {name or actual[:12]}: {errors[0].message}")
    return actual, body, name


async def register(
    sessions: async_sessionmaker[AsyncSession], documents: list[tuple[str, str, str | None]]
) -> int:
    """Adds the documents not yet known; returns how many were new."""
    if not documents:
        return 0
    rows = [{"sha256": s, "document": d, "name": n} for s, d, n in documents]
    async with sessions() as session, session.begin():
        added = await session.execute(
            insert(TrustedDocument)
            .values(rows)
            .on_conflict_do_nothing()
            .returning(TrustedDocument.sha256)
        )
        return len(added.all())


def _run(work):  # type: ignore[no-untyped-def]
    from gateway.cli import _database, _migrate
    from gateway.database import create_engine, session_factory
    from gateway.settings import Settings

    async def run(url: str):  # type: ignore[no-untyped-def]
        engine = create_engine(url, pool_size=1)
        try:
            return await work(session_factory(engine))
        finally:
            await engine.dispose()

    with _database(Settings()) as settings:
        asyncio.run(_migrate(settings))
        return asyncio.run(run(settings.database_url or ""))


@cli.command("add")
def add(files: Annotated[list[Path], typer.Argument(help="Manifests or .graphql files.")]) -> None:
    """Register the documents of each file (all of a file, or none of it)."""
    try:
        documents = [entry for path in files for entry in read_file(path)]
    except (InvalidDocuments, OSError, ValueError, KeyError) as exc:
        typer.echo(f"refused: {exc}", err=True)
        raise typer.Exit(1) from None
    added = _run(lambda sessions: register(sessions, documents))
    typer.echo(f"{added} new of {len(documents)} documents")


@cli.command("list")
def list_documents() -> None:
    """Print every trusted document's sha256 and name."""

    async def work(sessions):  # type: ignore[no-untyped-def]
        async with sessions() as session:
            found = await session.execute(
                select(TrustedDocument.sha256, TrustedDocument.name).order_by(
                    TrustedDocument.created_at
                )
            )
            return found.all()

    for sha, name in _run(work):
        typer.echo(f"{sha}  {name or ''}".rstrip())


@cli.command("remove")
def remove(sha256: str) -> None:
    """Stop trusting one document (replicas forget it when they restart)."""

    async def work(sessions):  # type: ignore[no-untyped-def]
        async with sessions() as session, session.begin():
            done = await session.execute(
                delete(TrustedDocument).where(TrustedDocument.sha256 == sha256.lower())
            )
            return done.rowcount

    typer.echo("removed" if _run(work) else "no such document")
