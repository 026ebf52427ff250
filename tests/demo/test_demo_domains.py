"""The demo domains of specs 001-004, each loaded alone at a tiny scale: deterministic, sized
by its formula, accepted by ingestion (every reference resolves), idempotent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console
from sqlalchemy import text

from gateway.demo import demo_context
from gateway.demo.domains import DOMAINS
from gateway.demo.loader import load_streams

SCALE = 0.02
ANCHOR = datetime(2025, 3, 1, tzinfo=UTC)
QUIET = Console(quiet=True)
PREFIX = "demo-s0.02-n7-20250301"


def scaled(base: float) -> int:
    return max(1, round(base * SCALE))


def published_programs() -> list[int]:
    return [n for n in range(scaled(12)) if n % 6 < 4]


# domain -> table -> rows expected at SCALE (the formulas in each module's docstring).
EXPECTED = {
    "ads": {"ad_performance": scaled(20) * 90 * 24},
    "coaching": {
        "knowledge_bases": scaled(6),
        "kb_documents": scaled(60),
        "kb_document_chunks": 8 * (scaled(60) - scaled(60) // 10),
        "programs": scaled(12),
        # earlier versions listed + the current one snapshotted on ingest
        "program_versions": sum(1 + n % 3 for n in published_programs()),
        "badges": scaled(8),
        "channels": 4,
        "end_users": scaled(15_000),
        "enrollments": scaled(2_400),
        "badge_awards": min(scaled(2_000), scaled(15_000) * scaled(8)),
        "interactions": scaled(50_000),
        "proactive_rules": scaled(6),
        "rule_triggers": scaled(3_000),
    },
    "organic": {
        "integrations": 5,
        "content_items": scaled(300),
        "content_metrics": 14 * (scaled(300) - scaled(300) // 10),
        "generation_jobs": scaled(60),
        "custom_reports": 3,
        "analytics_exports": 4,
        "email_campaigns": scaled(10),
        "email_sequences": 4,
        "sequence_steps": 16,
        "leads": scaled(5_000),
        "sequence_enrollments": (scaled(5_000) + 1) // 2,
        "activities": scaled(500),
        "channel_daily_metrics": 6 * 396,
        "touchpoints": scaled(30_000),
    },
    "social": {
        "social_accounts": 6,
        "ad_campaigns": scaled(12),
        "campaign_metrics": scaled(12) * 60,
        "posts": scaled(1_000),
        "post_metrics": sum(1 for n in range(scaled(1_000)) if n % 10 != 9 and n % 25 != 24),
        "agent_status_reports": 7 * 30 * 4,
        "ai_agents": 7,
        "platform_daily_metrics": 6 * 90,
        "business_settings": 1,
        "brand_settings": 1,
    },
}
# Shapes a user of each spec would notice if they were wrong: (SQL, expected value).
SHAPES = {
    "ads": [
        ("SELECT count(DISTINCT source) FROM ad_performance WHERE workspace_id = :ws", 1),
        (
            "SELECT count(*) FROM ad_performance WHERE workspace_id = :ws AND NOT "
            "dimensions ?& array['utm_source', 'utm_medium', 'campaign_status']",
            0,
        ),
        ("SELECT bool_and(clicks <= impressions) FROM ad_performance WHERE workspace_id = :ws", 1),
    ],
    "coaching": [
        # nothing a user did happened before they joined
        (
            "SELECT count(*) FROM interactions i JOIN end_users u ON u.workspace_id = "
            "i.workspace_id AND u.id = i.user_id WHERE i.workspace_id = :ws "
            "AND i.created_at < u.created_at",
            0,
        ),
        # last activity is the rollup of the user's own interactions
        (
            "SELECT count(*) FROM end_users u WHERE u.workspace_id = :ws AND u.last_active_at "
            "IS DISTINCT FROM (SELECT max(created_at) FROM interactions i WHERE "
            "i.workspace_id = u.workspace_id AND i.user_id = u.id AND NOT i.is_ai)",
            0,
        ),
    ],
    "organic": [
        ("SELECT count(DISTINCT type) FROM content_items WHERE workspace_id = :ws", 3),
        (
            "SELECT count(*) FROM touchpoints WHERE workspace_id = :ws AND stage = 'purchase' "
            "AND revenue <= 0",
            0,
        ),
    ],
    "social": [
        (
            "SELECT count(*) FROM ai_agents WHERE workspace_id = :ws AND id IN ('intelligence', "
            "'strategy', 'content', 'execution', 'learning', 'engagement', 'analytics')",
            7,
        ),
    ],
}


def generate(domain: str, seed: int) -> dict[str, list[dict]]:
    ctx = demo_context(SCALE, seed, ANCHOR)
    streams = dict(DOMAINS)[domain](ctx)
    return {s.data_type: [r for n in range(s.chunks) for r in s.chunk(ctx, n)] for s in streams}


@pytest.mark.parametrize("domain", list(EXPECTED))
def test_same_seed_same_records(domain):
    first = generate(domain, 7)
    assert first == generate(domain, 7)
    assert first != generate(domain, 8)


async def _load(sessions, domain: str, workspace: str):  # type: ignore[no-untyped-def]
    ctx = demo_context(SCALE, 7, ANCHOR)
    streams = dict(DOMAINS)[domain](ctx)
    return await load_streams(
        sessions, ctx, streams, workspace_id=workspace, prefix=PREFIX, console=QUIET
    )


async def _counts(sessions, domain: str, workspace: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return {
            table: (
                await session.execute(
                    text(f"SELECT count(*) FROM {table} WHERE workspace_id = :ws"),
                    {"ws": workspace},
                )
            ).scalar_one()
            for table in EXPECTED[domain]
        }


@pytest.mark.parametrize("domain", list(EXPECTED))
async def test_loads_by_formula_and_reloads_as_a_no_op(domain, sessions, workspace):
    loaded = await _load(sessions, domain, workspace)
    assert sum(r.inserted for r in loaded) == sum(r.records for r in loaded)
    assert await _counts(sessions, domain, workspace) == EXPECTED[domain]
    async with sessions() as session:
        for sql, expected in SHAPES[domain]:
            got = (await session.execute(text(sql), {"ws": workspace})).scalar_one()
            assert got == expected, sql

    again = await _load(sessions, domain, workspace)
    assert [r.records for r in again] == [r.records for r in loaded]
    assert all(r.already_loaded == r.records and r.inserted == r.updated == 0 for r in again)
    assert await _counts(sessions, domain, workspace) == EXPECTED[domain]
