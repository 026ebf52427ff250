"""The `gateway` command: serve, migrate, demo, import, rebuild-rollups, export-schema."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from gateway import trusted_documents
from gateway.settings import Settings

app = typer.Typer(help="The Marketing Graph Gateway.", no_args_is_help=True, add_completion=False)
app.add_typer(trusted_documents.cli, name="trusted-documents")
log = logging.getLogger("gateway")


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[Settings]:
    """Settings whose database_url is live: the configured one, or the embedded server."""
    if settings.database_url:
        yield settings
        return
    from gateway.database import embedded_postgres

    with embedded_postgres(settings.pgdata_dir) as url:
        yield settings.model_copy(update={"database_url": url})


def uvicorn_options(settings: Settings) -> dict[str, object]:
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told not to: the gateway decides
    which proxies to believe itself (TRUSTED_PROXIES, gateway/app.py). Logs are the
    gateway's own structured ones (observability/logs.py). No permessage-deflate: its
    compressor state is about 50 KB per WebSocket connection (half of what a subscriber
    cost), and every event would be compressed once per subscriber rather than encoded
    once per group (docs/benchmarks.md, "Subscriber fan-out"). WebSockets are served by
    uvicorn's sans-io protocol made lighter per connection (gateway/websocket_protocol.py)."""
    from gateway.websocket_protocol import PROTOCOL as WEBSOCKET_PROTOCOL

    return {
        "host": settings.host,
        "port": settings.port,
        "ws": WEBSOCKET_PROTOCOL,
        "ws_per_message_deflate": False,
        "proxy_headers": False,
        "log_config": None,
        "access_log": False,
    }


def _serve(settings: Settings, workers: int = 1) -> None:
    import uvicorn

    from gateway.app import create_app
    from gateway.observability import logs

    typer.echo(f"GraphQL on http://{settings.host}:{settings.port}/graphql ({workers} worker(s))")
    logs.install(level=settings.log_level, fmt=settings.log_format)
    if workers == 1:
        uvicorn.run(create_app(settings), **uvicorn_options(settings))  # type: ignore[arg-type]
        return
    # Each worker process builds its own app from the environment: hand it what this
    # command decided (the live database URL, migrations already applied).
    os.environ["DATABASE_URL"] = settings.database_url or ""
    os.environ["MIGRATE_ON_START"] = "false"
    uvicorn.run(
        "gateway.app:serve_app",
        factory=True,
        workers=workers,
        **uvicorn_options(settings),  # type: ignore[arg-type]
    )


def serve_workers(settings: Settings, requested: int | None) -> int:
    """How many worker processes to run: as asked, else one per core in production (one in
    development). More than one needs Redis: the broker, the caches and the rate-limit
    counters must be shared, or each worker would see only its own."""
    workers = requested or ((os.cpu_count() or 1) if not settings.is_development else 1)
    if workers > 1 and not settings.redis_url:
        raise typer.BadParameter(
            f"{workers} workers need REDIS_URL: without Redis each worker process keeps its "
            "own event broker, analytics cache and rate-limit counters, so subscribers would "
            "miss other workers' events and every limit would be multiplied by the number of "
            "workers. Set REDIS_URL, or serve with --workers 1.",
            param_hint="--workers",
        )
    return workers


async def _migrate(settings: Settings) -> None:
    from gateway.bootstrap import prepare_database
    from gateway.database import create_engine

    engine = create_engine(settings.database_url or "", pool_size=1)
    try:
        await prepare_database(engine, settings)
    finally:
        await engine.dispose()


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM (docker stop, systemd, Kubernetes) unwinds like Ctrl-C, so every `with` block
    stops what it started: the embedded PostgreSQL above all. (uvicorn handles SIGTERM while
    it serves, then raises it again once it has shut down; that lands here.)"""
    raise SystemExit(128 + signum)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(message)s")
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbose else logging.WARNING)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default 127.0.0.1 (HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Default 8000 (PORT).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes (default: one per core in production, else 1)."),
    ] = None,
) -> None:
    """Migrate, then serve GraphQL and the legacy REST APIs."""
    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    count = serve_workers(Settings(**overrides), workers)
    with _database(Settings(**overrides)) as settings:
        asyncio.run(_migrate(settings))
        _serve(settings.model_copy(update={"migrate_on_start": False}), count)


@app.command()
def worker() -> None:
    """Run a job worker: webhook delivery, publishing, generation and every other job (the
    app runs one in-process unless WORKER_IN_APP=false; any number may run side by side)."""
    from gateway import jobs
    from gateway.database import create_engine
    from subscriptions.runtime import worker_options

    async def run(settings: Settings) -> None:
        url = settings.database_url or ""
        engine = create_engine(url, pool_size=settings.worker_concurrency)
        try:
            runtime = jobs.Runtime(engine, settings)
            await jobs.run_worker(jobs.create_job_app(url), runtime, worker_options(settings))
        finally:
            await engine.dispose()

    from gateway.observability import logs

    with _database(Settings()) as settings:
        asyncio.run(_migrate(settings))
        typer.echo("job worker running (Ctrl-C to stop)")
        logs.install(level=settings.log_level, fmt=settings.log_format)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run(settings))


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    with _database(Settings()) as settings:
        asyncio.run(_migrate(settings))
    typer.echo("database is up to date")


@app.command()
def demo(
    scale: Annotated[float, typer.Option(min=0.001, max=100, help="1 = spec 000's figures.")] = 0.1,
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    seed: Annotated[int, typer.Option(help="Same seed, same data.")] = 7,
    domain: Annotated[
        list[str] | None,
        typer.Option(help="Load only this domain (repeatable): platform, ads, coaching, ..."),
    ] = None,
) -> None:
    """Load the deterministic demo dataset through the ingestion path, then serve."""
    from gateway.demo import DOMAIN_NAMES, load_demo

    unknown = sorted(set(domain or ()) - set(DOMAIN_NAMES))
    if unknown:
        raise typer.BadParameter(
            f"unknown {unknown}; known: {list(DOMAIN_NAMES)}", param_hint="--domain"
        )
    with _database(Settings()) as settings:
        asyncio.run(_migrate(settings))
        domains = tuple(domain) if domain else DOMAIN_NAMES
        asyncio.run(load_demo(settings, scale=scale, seed=seed, domains=domains))
        access = asyncio.run(_demo_access(settings))
        _print_access(settings, access)
        if serve_after:
            _serve(settings.model_copy(update={"migrate_on_start": False}))


async def _demo_access(settings: Settings):  # type: ignore[no-untyped-def]
    from gateway.auth.demo_access import ensure_demo_access
    from gateway.database import create_engine, session_factory

    engine = create_engine(settings.database_url or "", pool_size=1)
    try:
        return await ensure_demo_access(settings, session_factory(engine))
    finally:
        await engine.dispose()


def _print_access(settings: Settings, access) -> None:  # type: ignore[no-untyped-def]
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(
        "\nDemo credentials (new on every run; shown once):\n"
        f"  API key:  {access.api_key}\n"
        f"  sign in:  {access.email} / {access.password}\n"
        f"\nIn GraphiQL ({base}/graphql) open Headers and paste:\n"
        f'  {{"Authorization": "Bearer {access.api_key}"}}\n'
        f"or: curl -H 'Authorization: Bearer {access.api_key}' "
        f"{base}/api/marketing/dashboard/summary\n"
    )


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    data_type: Annotated[
        str, typer.Option("--type", "-t", help="A data_type (docs/ingestion.md).")
    ],
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 10_000,
    workspace: Annotated[
        str | None, typer.Option(help="Workspace id (default: the default one).")
    ] = None,
) -> None:
    """Import a JSONL or CSV file, in batches, through the ingestion path."""
    from gateway.importer import ImportFailed, import_path

    with _database(Settings()) as settings:
        asyncio.run(_migrate(settings))
        try:
            total = asyncio.run(
                import_path(
                    settings,
                    file,
                    data_type=data_type,
                    batch_size=batch_size,
                    workspace_id=workspace or settings.default_workspace_id,
                )
            )
        except ImportFailed as exc:
            typer.echo(f"import failed: {exc}", err=True)
            raise typer.Exit(1) from None
    typer.echo(f"imported {total} {data_type} record(s) from {file}")


@app.command("rebuild-rollups")
def rebuild_rollups(
    workspace: Annotated[
        str | None, typer.Option(help="Workspace id (default: the default one).")
    ] = None,
) -> None:
    """Recompute the activity, retention, facet and interaction rollups from the tables they
    summarise (after changing a workspace's timezone), in one transaction."""
    from gateway.database import create_engine, session_factory
    from gateway.ingestion.rollup_rebuild import rebuild

    async def run(url: str, workspace_id: str) -> None:
        engine = create_engine(url, pool_size=1)
        try:
            async with session_factory(engine)() as session, session.begin():
                await rebuild(session, workspace_id)
        finally:
            await engine.dispose()

    with _database(Settings()) as settings:
        asyncio.run(_migrate(settings))
        workspace_id = workspace or settings.default_workspace_id
        asyncio.run(run(settings.database_url or "", workspace_id))
    typer.echo(f"rebuilt the activity, retention, facet and interaction rollups of {workspace_id}")


@app.command("export-schema")
def export_schema(
    path: Annotated[Path, typer.Argument(help="Where to write; '-' for stdout.")] = Path(
        "schema.graphql"
    ),
) -> None:
    """Write the printed GraphQL schema (schema.graphql is kept equal to it by a test)."""
    import gateway.app  # noqa: F401  (imported first, as the server does: it orders the cycle)
    from resolvers.schema import schema

    text = schema.as_str() + "\n"
    if str(path) == "-":
        typer.echo(text, nl=False)
    else:
        path.write_text(text)
        typer.echo(f"wrote {path}")


@app.command("generate-key")
def generate_key() -> None:
    """Print a new encryption key for ENCRYPTION_KEYS (put it first to rotate)."""
    from gateway.secrets import new_key

    typer.echo(new_key())


@app.command()
def revision(message: Annotated[str, typer.Argument()]) -> None:
    """(Developers) autogenerate a migration from the models against the database."""
    from gateway import migrations
    from gateway.database import create_engine

    async def run(url: str) -> None:
        engine = create_engine(url, pool_size=1)
        try:
            await migrations.upgrade(engine)
            await migrations.autogenerate(engine, message)
        finally:
            await engine.dispose()

    with _database(Settings()) as settings:
        asyncio.run(run(settings.database_url or ""))


if __name__ == "__main__":
    app()
