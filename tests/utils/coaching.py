"""A small hand-made coaching hub (spec 002), as ingestion records, with readable UUIDs."""

from __future__ import annotations

from typing import Any

from tests.utils.builders import at

_KINDS = {"kb": 1, "doc": 2, "program": 3, "user": 4, "badge": 5, "channel": 6, "rule": 7}


def uid(kind: str, n: int) -> str:
    """A fixed UUID per (kind, n): uid("user", 3) == "00000000-0000-4000-8000-000400000003"."""
    return f"00000000-0000-4000-8000-{_KINDS[kind]:04x}{n:08x}"


def knowledge_base(n: int, **kw: Any) -> dict[str, Any]:
    return {"id": uid("kb", n), "name": f"Library {n}", "created_at": at(0, n), **kw}


def document(n: int, kb: int, size: int, status: str = "completed", **kw: Any) -> dict[str, Any]:
    processed = {"processed_at": at(1, n)} if status == "completed" else {}
    return {
        "id": uid("doc", n),
        "knowledge_base_id": uid("kb", kb),
        "title": f"Guide {n}",
        "file_type": "pdf",
        "file_size_bytes": size,
        "processing_status": status,
        "created_at": at(1, n),
        **processed,
        **kw,
    }


def program(n: int, status: str = "published", **kw: Any) -> dict[str, Any]:
    published = {"published_at": at(0, n + 1)} if status == "published" else {}
    return {
        "id": uid("program", n),
        "name": f"Track {n}",
        "status": status,
        "flow_definition": {"nodes": [{"id": "start", "type": "start"}], "edges": []},
        "created_at": at(0, n),
        **published,
        **kw,
    }


def end_user(n: int, channel: str = "web", score: float = 0.5, **kw: Any) -> dict[str, Any]:
    return {
        "id": uid("user", n),
        "external_id": f"ext-{n}",
        "channel": channel,
        "profile_data": {"name": f"Coachee {n}"},
        "engagement_score": score,
        "created_at": at(0, n),
        **kw,
    }


def enrollment(user: int, prog: int, status: str = "active", days: float = 2) -> dict[str, Any]:
    done = {"completed_at": at(2 + days), "progress": 1.0} if status == "completed" else {}
    return {
        "user_id": uid("user", user),
        "program_id": uid("program", prog),
        "status": status,
        "enrolled_at": at(2),
        **done,
    }


def channel(n: int, channel_type: str = "web", **kw: Any) -> dict[str, Any]:
    return {
        "id": uid("channel", n),
        "channel_type": channel_type,
        "channel_name": f"Door {n}",
        "status": "active",
        "created_at": at(0, n),
        **kw,
    }


def interaction(user: int, chan: int, hours: float, **kw: Any) -> dict[str, Any]:
    return {
        "user_id": uid("user", user),
        "channel": kw.pop("channel", "web"),
        "channel_id": uid("channel", chan),
        "interaction_type": "message_sent",
        "created_at": at(3, hours),
        **kw,
    }


def rule(n: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": uid("rule", n),
        "name": f"Nudge {n}",
        "trigger_conditions": {"type": "inactivity", "threshold_hours": 24},
        "actions": [{"type": "send_message"}],
        "created_at": at(0, n),
        **kw,
    }


def trigger(rule_n: int, user: int, succeeded: bool, hours: float = 0) -> dict[str, Any]:
    return {
        "rule_id": uid("rule", rule_n),
        "user_id": uid("user", user),
        "triggered_at": at(4, hours),
        "succeeded": succeeded,
    }


def small_hub() -> dict[str, list[dict[str, Any]]]:
    """Two libraries (3 documents: 1000 + 500 + 250 bytes, and none), three programs
    (track 1: 4 enrollments, 2 completed; track 2: 1 active; track 3: none), four users,
    three channels (door 1: users 1 and 3; door 2: user 2; door 3: silent), two rules
    (nudge 1: 3 of 4 triggers succeeded; nudge 2: never fired)."""
    return {
        "knowledge_bases": [knowledge_base(1), knowledge_base(2)],
        "kb_documents": [
            document(1, 1, 1000),
            document(2, 1, 500, status="pending", title="Sleep notes"),
            document(3, 1, 250, status="failed"),
        ],
        "kb_chunks": [
            {"document_id": uid("doc", 1), "chunk_index": i, "content": f"part {i}"}
            for i in range(3)
        ],
        "programs": [program(1), program(2, status="draft"), program(3, status="archived")],
        "badges": [{"id": uid("badge", 1), "name": "First week", "created_at": at(0)}],
        "end_users": [
            end_user(1, score=0.9),
            end_user(2, channel="whatsapp", score=0.5),
            end_user(3, score=0.2, is_active=False),
            end_user(4, channel="telegram", score=0.7),
        ],
        "enrollments": [
            enrollment(1, 1, "completed", days=2),
            enrollment(2, 1, "completed", days=4),
            enrollment(3, 1, "dropped"),
            enrollment(4, 1, "active"),
            enrollment(1, 2, "active"),
        ],
        "badge_awards": [
            {"user_id": uid("user", 1), "badge_id": uid("badge", 1), "earned_at": at(5)}
        ],
        "channels": [channel(1), channel(2, "whatsapp"), channel(3, "telegram")],
        "interactions": [
            interaction(1, 1, 0),
            interaction(1, 1, 1, interaction_type="ai_response", is_ai=True),
            interaction(1, 1, 2),
            interaction(3, 1, 5),
            interaction(2, 2, 3, channel="whatsapp"),
            interaction(2, 2, 4, channel="whatsapp", interaction_type="message_received"),
        ],
        "proactive_rules": [rule(1), rule(2)],
        "rule_triggers": [
            trigger(1, 1, True, 0),
            trigger(1, 2, True, 1),
            trigger(1, 3, False, 2),
            trigger(1, 4, True, 3),
        ],
    }


async def load_hub(upload: Any, hub: dict[str, list[dict[str, Any]]] | None = None) -> None:
    for data_type, records in (hub or small_hub()).items():
        await upload(data_type, records)
