"""Spec 003 datasets as ingestion records (invented names throughout)."""

from __future__ import annotations

from typing import Any

from tests.utils.builders import at


def content(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"cnt_{n}",
        "type": "tiktok",
        "status": "draft",
        "title": f"Clip {n}",
        "body": f"Body of clip {n}",
        "created_at": at(0, n),
        **kw,
    }


def metrics(content_n: int, day: str, **kw: Any) -> dict[str, Any]:
    return {"content_id": f"cnt_{content_n}", "date": day, **kw}


def campaign(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"camp_{n}",
        "name": f"Campaign {n}",
        "type": "one-time",
        "status": "active",
        "created_at": at(0, n),
        **kw,
    }


def sequence(n: int, **kw: Any) -> dict[str, Any]:
    return {"id": f"seq_{n}", "name": f"Sequence {n}", "created_at": at(0, n), **kw}


def step(sequence_n: int, position: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"step_{sequence_n}_{position}",
        "sequence_id": f"seq_{sequence_n}",
        "position": position,
        "name": f"Step {position}",
        "delay_seconds": 86400 * (position - 1),
        "subject": f"Subject {position}",
        **kw,
    }


def lead(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": f"lead_{n}",
        "email": f"reader{n}@example.com",
        "name": f"Reader {n}",
        "created_at": at(0, n),
        **kw,
    }


def enrollment(sequence_n: int, lead_n: int, status: str = "enrolled") -> dict[str, Any]:
    return {
        "sequence_id": f"seq_{sequence_n}",
        "lead_id": f"lead_{lead_n}",
        "status": status,
        "enrolled_at": at(1),
    }
