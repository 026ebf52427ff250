"""Importing leads (spec 003's POST /api/email/leads/import, a JSON body or a CSV upload).

Every row is checked before anything is written: its email (present, well-formed, at most
254 characters), duplicates within the import (the first occurrence wins), and addresses
the workspace already holds. A row that fails is skipped with its reason (`row` counts the
data rows from 1, a CSV's header not included); the others are written in one statement,
with one lead.created each, in one transaction: an import is written whole or not at all.
The new leads are enrolled, in the same transaction, into the sequences they trigger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.ingestion.organic_email import EMAIL, lead_id_for
from gateway.organic import enrolment
from gateway.organic.activity import record_activity
from subscriptions.events import CHANNEL
from subscriptions.outbox import iso_sql

MAX_ROWS = 50_000
_EMAIL = re.compile(EMAIL)

_INSERT = text(
    """
INSERT INTO leads (workspace_id, id, email, name, tags, source, status, custom_fields,
                   emails_sent, emails_opened, links_clicked, created_at)
SELECT :ws, r.id, r.email, r.name, CAST(:tags AS text[]), :source, 'active',
       CAST(r.custom_fields AS jsonb), 0, 0, 0, now()
FROM unnest(CAST(:ids AS text[]), CAST(:emails AS text[]), CAST(:names AS text[]),
            CAST(:fields AS text[])) AS r(id, email, name, custom_fields)
ON CONFLICT DO NOTHING
RETURNING email
"""
)
_EXISTING = text(
    "SELECT email FROM leads WHERE workspace_id = :ws AND email = ANY(CAST(:emails AS text[]))"
)
_EVENTS = text(
    f"""
INSERT INTO events (workspace_id, id, type, subject, payload, created_at)
SELECT i.workspace_id, 'evt_' || substr(md5(random()::text || i.id), 1, 16), 'lead.created',
  i.id, jsonb_build_object(
  'id', i.id, 'email', i.email, 'name', i.name, 'tags', to_jsonb(i.tags), 'source', i.source,
  'status', i.status, 'customFields', i.custom_fields,
  'stats', jsonb_build_object('emailsSent', i.emails_sent, 'emailsOpened', i.emails_opened,
                              'linksClicked', i.links_clicked),
  'createdAt', {iso_sql("i.created_at")}), clock_timestamp()
FROM leads i WHERE i.workspace_id = :ws AND i.email = ANY(CAST(:emails AS text[]))
ORDER BY i.id
"""
)


_GROWN = 1_000


async def _fresh_statistics(session: AsyncSession, rows: int) -> None:
    """ANALYZE leads when this import at least doubled the table. Each enrolment's foreign
    key check finds its lead by a plan the connection keeps, made from the statistics;
    taken while the table was small, that plan scans every lead for every row (4.4 s for
    10,000 enrolments after a first small import). New statistics replace the plan."""
    estimate = await session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = CAST('leads' AS regclass)")
    )
    if estimate is None or estimate < rows:
        await session.execute(text("ANALYZE leads"))


@dataclass
class Mapping:
    email: str = "email"
    name: str | None = "name"
    custom_fields: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    imported: int
    skipped: int
    errors: list[dict[str, Any]]


@dataclass
class _Row:
    number: int
    email: str
    name: str | None
    custom_fields: dict[str, Any]


def _cell(record: dict[str, Any], column: str | None) -> Any:
    if column is None:
        return None
    value = record.get(column)
    if value is None:  # CSV headers and JSON keys are matched case-insensitively too
        lowered = column.lower()
        value = next((v for k, v in record.items() if str(k).lower() == lowered), None)
    return value.strip() if isinstance(value, str) else value


def _checked(records: list[Any], mapping: Mapping) -> tuple[list[_Row], list[dict[str, Any]]]:
    rows, errors, seen = [], [], {}
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            errors.append({"row": number, "error": "A row must be an object of columns"})
            continue
        email = _cell(record, mapping.email)
        if email in (None, ""):
            errors.append({"row": number, "error": f"Missing email (column '{mapping.email}')"})
            continue
        email = str(email).lower()
        if len(email) > 254 or not _EMAIL.match(email):
            errors.append({"row": number, "error": "Invalid email format"})
            continue
        if email in seen:
            errors.append({"row": number, "error": f"Duplicate email (first on row {seen[email]})"})
            continue
        seen[email] = number
        name = _cell(record, mapping.name)
        custom = {
            key: value
            for key, column in mapping.custom_fields.items()
            if (value := _cell(record, column)) not in (None, "")
        }
        rows.append(_Row(number, email, str(name)[:200] if name else None, custom))
    return rows, errors


async def import_leads(
    session: AsyncSession,
    *,
    workspace_id: str,
    records: list[Any],
    mapping: Mapping,
    tags: list[str],
    source: str | None,
    actor_id: str | None,
) -> ImportResult:
    rows, errors = _checked(records, mapping)
    # One array parameter, not an IN list of thousands of parameters to compile.
    existing = set(
        await session.scalars(_EXISTING, {"ws": workspace_id, "emails": [r.email for r in rows]})
        if rows
        else []
    )
    fresh = []
    for row in rows:
        if row.email in existing:
            errors.append({"row": row.number, "error": "A lead with this email already exists"})
        else:
            fresh.append(row)
    written = set()
    if fresh:
        written = set(
            await session.scalars(
                _INSERT,
                {
                    "ws": workspace_id,
                    "tags": sorted(set(tags)),
                    "source": source,
                    "ids": [lead_id_for(r.email) for r in fresh],
                    "emails": [r.email for r in fresh],
                    "names": [r.name for r in fresh],
                    "fields": [orjson.dumps(r.custom_fields).decode() for r in fresh],
                },
            )
        )
        for row in fresh:  # written meanwhile by a concurrent import
            if row.email not in written:
                errors.append({"row": row.number, "error": "A lead with this email already exists"})
    if written:
        await session.execute(_EVENTS, {"ws": workspace_id, "emails": sorted(written)})
        ids = sorted(lead_id_for(email) for email in written)
        if len(ids) >= _GROWN:
            await _fresh_statistics(session, len(ids))
        await session.execute(text(enrolment.IMPORTED), {"ws": workspace_id, "ids": ids})
        await session.execute(text(f"SELECT pg_notify('{CHANNEL}', '')"))
        record_activity(
            session,
            workspace_id=workspace_id,
            type="lead_imported",
            title="Leads imported",
            description=f"{len(written)} leads from {source or 'an import'}",
            actor_id=actor_id,
            metadata={"imported": len(written), "source": source},
        )
    errors.sort(key=lambda e: e["row"])
    return ImportResult(imported=len(written), skipped=len(records) - len(written), errors=errors)
