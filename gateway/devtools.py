"""Developer chores: regenerate the pre-release migration, regenerate docs/ingestion.md.

python -m gateway.devtools reset-migration
python -m gateway.devtools ingestion-docs docs/ingestion.md
python -m gateway.devtools dashboard-documents   (gateway/static/dashboard/documents.json)
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from gateway import migrations
from gateway.database import create_engine, plain_url

INITIAL = migrations.MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"


async def reset_migration(server_url: str) -> None:
    """Rewrite 0001_initial_schema.py from the models, against a scratch database."""
    scratch = f"gateway_scratch_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(plain_url(server_url))
    await admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        parts = urlsplit(plain_url(server_url))
        url = urlunsplit(parts._replace(path=f"/{scratch}"))
        INITIAL.unlink(missing_ok=True)
        engine = create_engine(url, pool_size=1)
        try:
            await migrations.autogenerate(engine, "initial schema")
        finally:
            await engine.dispose()
        generated = next((migrations.MIGRATIONS_DIR / "versions").glob("*_initial_schema.py"))
        text = generated.read_text()
        revision = re.search(r"^revision: str = '(\w+)'", text, re.M)
        assert revision, "alembic wrote no revision id"
        text = text.replace(revision.group(1), "0001").replace("Revises: \n", "Revises:\n")
        generated.unlink()
        INITIAL.write_text(text)
        print(f"wrote {INITIAL}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        await admin.close()


def ingestion_docs() -> str:
    """docs/ingestion.md, from the registry: every data_type, its fields and an example."""
    from gateway.ingestion.registry import REGISTRY, data_type_names

    names = data_type_names()
    lines = [
        Path(__file__).with_name("ingestion_intro.md").read_text().rstrip(),
        "",
        "## Data types",
        "",
        "| data_type | domain | on re-send of the same key | description |",
        "|---|---|---|---|",
    ]
    for name in names:
        spec = REGISTRY[name]
        key = ", ".join(spec.conflict_key)
        rule = "replaces the row" if spec.on_conflict == "update" else "keeps the first copy"
        lines.append(
            f"| [`{name}`](#{name}) | {spec.domain} | ({key}) {rule} | {spec.description} |"
        )
    for name in names:
        spec = REGISTRY[name]
        lines += [
            "",
            f"### {name}",
            "",
            spec.description,
            "",
            "| field | type | required |",
            "|---|---|---|",
        ]
        schema = spec.record.model_json_schema()
        required = set(schema.get("required", []))
        for field, info in schema["properties"].items():
            lines.append(
                f"| `{field}` | {_type_of(info)} | {'yes' if field in required else 'no'} |"
            )
        if spec.references:
            refs = ", ".join(f"`{c}` → {t}" for c, t in spec.references.items())
            lines += ["", f"References (must exist in the same workspace): {refs}."]
        if spec.id_prefix:
            lines += ["", f"A record without `id` gets a new `{spec.id_prefix}_...` id."]
        examples = ", ".join(
            json.dumps(record, indent=2) for record in (spec.example, *spec.more_examples)
        )
        lines += ["", "```json", f'{{"data_type": "{name}", "data": [{_indent(examples)}]}}', "```"]
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


def _type_of(info: dict) -> str:
    if "enum" in info:
        return " \\| ".join(f"`{v}`" for v in info["enum"])
    if "const" in info:
        return f"`{info['const']}`"
    if "anyOf" in info:
        return " or ".join(_type_of(option) for option in info["anyOf"])
    kind = info.get("type", "any")
    if kind == "array":
        return f"list of {_type_of(info.get('items', {}))}"
    if info.get("format") == "date-time":
        return "ISO 8601 time"
    if "pattern" in info:
        return f"{kind} (`{info['pattern']}`)"
    return str(kind)


def main(argv: list[str]) -> None:
    command = argv[0] if argv else ""
    if command == "reset-migration":
        server = os.environ.get("DATABASE_URL")
        if not server:
            sys.exit("DATABASE_URL must name a server where a scratch database may be created")
        asyncio.run(reset_migration(server))
    elif command == "ingestion-docs":
        target = Path(argv[1] if len(argv) > 1 else "docs/ingestion.md")
        target.write_text(ingestion_docs())
        print(f"wrote {target}")
    elif command == "dashboard-documents":
        from gateway.dashboard import documents_manifest
        from gateway.persisted_documents import DASHBOARD_DOCUMENTS

        DASHBOARD_DOCUMENTS.write_text(documents_manifest())
        print(f"wrote {DASHBOARD_DOCUMENTS}")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
