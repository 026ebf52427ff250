"""Spec 002, the coaching creator hub: knowledge bases, documents and chunks, programs (flow
graphs, versions), badges, channels, end users, enrollments, badge awards, interactions,
proactive rules and their triggers.

Counts at scale s (each at least 1): knowledge bases 6s, documents 60s (every tenth still
processing, the others completed with 8 chunks each), programs 12s (by index: four of six
published, one draft, one archived; a published program is at version 1-3 and its earlier
versions are listed), badges 8s, 4 channels (one per type), end users 15,000s, enrollments
2,400s (~60% completed), badge awards 2,000s (distinct user and badge), interactions 50,000s,
proactive rules 6s (the first six active), rule triggers 3,000s. Ids are UUIDs derived from
(kind, index).
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from dataclasses import dataclass
from typing import Any

from gateway.demo import calendar as cal
from gateway.demo.streams import DemoContext, Records, Stream, listed
from gateway.demo.words import pools

BASE = {
    "knowledge_bases": 6,
    "documents": 60,
    "programs": 12,
    "badges": 8,
    "end_users": 15_000,
    "enrollments": 2_400,
    "badge_awards": 2_000,
    "interactions": 50_000,
    "proactive_rules": 6,
    "rule_triggers": 3_000,
}
CHUNKS_PER_DOCUMENT = 8
CHANNELS = ("web", "whatsapp", "telegram", "mobile")
CHANNEL_WEIGHTS = cal.cumulative((45, 30, 10, 15))
TIMEZONES = ("America/New_York", "Europe/Lisbon", "Europe/Berlin", "Asia/Tokyo", "America/Denver")
_NAMESPACE = uuid.UUID("5c0a4c1e-0000-4000-8000-00000000d002")
PROGRAM_THEMES = ("Morning routine", "Sleep reset", "Mindful eating", "Strength basics",
                  "Focus sprint", "Stress less", "Habit stacking", "Walk more")  # fmt: skip
BADGES = ("First step", "Week one", "Streak of 7", "Streak of 30", "Halfway there",
          "Finisher", "Early bird", "Night owl")  # fmt: skip
# Only `inactivity` rules fire (gateway/coaching/proactive.py); the others are listed.
RULES = (("Inactivity follow-up", {"type": "inactivity", "threshold_hours": 24,
                                   "applies_to": "all_users"},
          "Hey {user_name}! I noticed you haven't checked in today. How are your goals going?"),
         ("Missed check-in", {"type": "missed_step", "threshold_hours": 48},
          "{first_name}, your next step is waiting for you."),
         ("Milestone cheer", {"type": "progress", "at": 0.5}, "Halfway there, {first_name}!"),
         ("Weekly recap", {"type": "schedule", "cron": "0 9 * * 1"},
          "Here is your week, {user_name}."),
         ("Win-back", {"type": "inactivity", "threshold_hours": 168,
                       "applies_to": "unenrolled_users"},
          "We miss you, {first_name}! It has been {days_inactive} days."),
         ("Welcome nudge", {"type": "signup", "delay_hours": 2},
          "Welcome, {user_name}!"))  # fmt: skip
SURVIVAL = ((0, 1.0), (7, 0.6), (30, 0.4), (90, 0.25), (365, 0.12))


def uid(kind: str, n: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}/{n}"))


def program_status(n: int) -> str:
    return ("published", "published", "published", "published", "draft", "archived")[n % 6]


def program_version(n: int) -> int:
    return 1 + n % 3


@dataclass(slots=True)
class EndUser:
    id: str
    channel: int
    created: float
    leaves: float
    engagement: float


def streams(ctx: DemoContext) -> list[Stream]:
    c = ctx.calendar
    words = pools(ctx.seed)
    n_kb, n_docs = ctx.count(BASE["knowledge_bases"]), ctx.count(BASE["documents"])
    n_programs, n_badges = ctx.count(BASE["programs"]), ctx.count(BASE["badges"])
    early = c.start + 60 * cal.DAY  # the creator set the hub up in the first two months

    def moment(rng: random.Random, lo: float, hi: float) -> Any:
        return cal.as_datetime(c.within(rng, lo, hi))

    def knowledge_base(n: int) -> dict[str, Any]:
        rng = ctx.rng("kb", n)
        return {
            "id": uid("kb", n),
            "name": f"{words.title(rng, 2)} library",
            "description": rng.choice(words.sentences),
            "settings": {"chunk_size": 1000, "chunk_overlap": 200},
            "created_at": moment(rng, c.start, early),
        }

    def document(n: int) -> dict[str, Any]:
        rng = ctx.rng("doc", n)
        created = c.within(rng, early, c.end - cal.DAY)
        done = n % 10 != 9
        return {
            "id": uid("doc", n),
            "knowledge_base_id": uid("kb", n % n_kb),
            "title": words.title(rng, 4),
            "content": words.paragraph(rng, 5),
            "file_type": rng.choice(("pdf", "docx", "md", "txt")),
            "file_size_bytes": int(rng.lognormvariate(math.log(40_000), 1.0)),
            "processing_status": "completed" if done else "processing",
            "metadata": {"author": words.name(rng)},
            "created_at": cal.as_datetime(created),
            "processed_at": cal.as_datetime(created + rng.uniform(30, 900)) if done else None,
        }

    completed_docs = [n for n in range(n_docs) if n % 10 != 9]

    def chunks(rng: random.Random, a: int, b: int) -> Records:
        return [
            {
                "id": uid("chunk", i),
                "document_id": uid("doc", completed_docs[i // CHUNKS_PER_DOCUMENT]),
                "chunk_index": i % CHUNKS_PER_DOCUMENT,
                "content": words.paragraph(rng, 4),
                "metadata": {"tokens": rng.randint(180, 260)},
            }
            for i in range(a, b)
        ]

    program_created = [c.start + (n + 1) * (c.end - c.start) * 0.6 / (n_programs + 1) for n in
                       range(n_programs)]  # fmt: skip

    def program(n: int) -> dict[str, Any]:
        rng = ctx.rng("program", n)
        status, version = program_status(n), program_version(n)
        created = program_created[n]
        published = created + rng.uniform(1, 5) * cal.DAY if status != "draft" else None
        return {
            "id": uid("program", n),
            "name": f"{PROGRAM_THEMES[n % len(PROGRAM_THEMES)]} {n // len(PROGRAM_THEMES) + 1}",
            "description": rng.choice(words.sentences),
            "flow_definition": flow(rng, version),
            "status": status,
            "version": version,
            "settings": {"reminders": rng.random() < 0.7, "daily_goal_minutes": 10},
            "created_at": cal.as_datetime(created),
            "updated_at": cal.as_datetime(published or created),
            "published_at": cal.as_datetime(published) if published else None,
        }

    # Earlier versions of published programs (the current one is snapshotted on ingest).
    earlier = [
        (n, v)
        for n in range(n_programs)
        if program_status(n) == "published"
        for v in range(1, program_version(n))
    ]

    def program_version_record(item: tuple[int, int]) -> dict[str, Any]:
        n, v = item
        rng = ctx.rng("program-version", n, v)
        return {
            "id": uid(f"program-version-{v}", n),
            "program_id": uid("program", n),
            "version": v,
            "flow_definition": flow(rng, v),
            "published_at": cal.as_datetime(program_created[n] + v * 0.5 * cal.DAY),
        }

    def badge(n: int) -> dict[str, Any]:
        rng = ctx.rng("badge", n)
        return {
            "id": uid("badge", n),
            "name": BADGES[n % len(BADGES)] + ("" if n < len(BADGES) else f" {n}"),
            "description": rng.choice(words.sentences),
            "created_at": moment(rng, c.start, early),
        }

    def channel(n: int) -> dict[str, Any]:
        kind = CHANNELS[n]
        return {
            "id": uid("channel", n),
            "channel_type": kind,
            "channel_name": f"{kind.title()} channel",
            "status": "active" if kind != "telegram" else "pending_verification",
            "configuration": {"welcome_message": "Hi! Ready for today's step?"},
            "created_at": cal.as_datetime(c.start + n * cal.DAY),
        }

    users = _end_users(ctx)
    published = [n for n in range(n_programs) if program_status(n) != "draft"] or [0]

    def end_user(u: EndUser) -> dict[str, Any]:
        rng = ctx.rng("end-user", u.id)
        return {
            "id": u.id,
            "external_id": f"{CHANNELS[u.channel]}-{rng.randrange(10**8):08d}",
            "channel": CHANNELS[u.channel],
            "profile_data": {"name": words.name(rng), "goals": [words.title(rng, 2).lower()]},
            "timezone": rng.choice(TIMEZONES),
            "language": rng.choice(("en", "en", "en", "pt", "de", "es")),
            "is_active": u.leaves >= c.end,
            "engagement_score": round(min(1.0, u.engagement / 3), 3),
            "created_at": cal.as_datetime(u.created),
        }

    def enrollments(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for k in range(a, b):
            u, round_ = users[k % len(users)], k // len(users)
            # A user's n-th enrollment is in their n-th program: distinct while there are
            # programs enough; beyond that only a dropped one may repeat a program.
            p = published[(hash_index(u.id, len(published)) + round_) % len(published)]
            start = max(u.created, program_created[p] + 5 * cal.DAY)
            enrolled = c.within(rng, start, max(start + 1, min(u.leaves, c.end)))
            roll = rng.random()
            status = "completed" if roll < 0.6 else "active" if roll < 0.85 else "dropped"
            if status == "active" and round_ >= len(published):
                status = "dropped"  # at most one active enrollment per user and program
            done = min(enrolled + rng.uniform(5, 40) * cal.DAY, c.end - 1)
            out.append(
                {
                    "id": uid("enrollment", k),
                    "user_id": u.id,
                    "program_id": uid("program", p),
                    "status": status,
                    "progress": 1.0 if status == "completed" else round(rng.random(), 2),
                    "enrolled_at": cal.as_datetime(enrolled),
                    "completed_at": cal.as_datetime(done) if status == "completed" else None,
                }
            )
        return out

    n_awards = min(ctx.count(BASE["badge_awards"]), len(users) * n_badges)

    def awards(rng: random.Random, a: int, b: int) -> Records:
        pairs = rng.sample(range(len(users) * n_badges), b - a)
        out = []
        for k, pair in zip(range(a, b), pairs, strict=True):
            u = users[pair // n_badges]
            out.append(
                {
                    "id": uid("award", k),
                    "user_id": u.id,
                    "badge_id": uid("badge", pair % n_badges),
                    "earned_at": moment(rng, u.created, u.leaves),
                }
            )
        return out

    weights = cal.cumulative([u.engagement * (min(u.leaves, c.end) - u.created) for u in users])

    def interactions(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for k in range(a, b):
            u = users[cal.pick(rng, weights)]
            kind = "message_sent" if k % 2 == 0 else "ai_response"
            if rng.random() < 0.01:
                kind = "human_escalation"
            elif kind == "message_sent" and rng.random() < 0.1:
                kind = "message_received"
            is_ai = kind == "ai_response"
            out.append(
                {
                    "id": uid("interaction", k),
                    "user_id": u.id,
                    "channel": CHANNELS[u.channel],
                    "channel_id": uid("channel", u.channel),
                    "interaction_type": kind,
                    "is_ai": is_ai,
                    "program_id": uid("program", published[hash_index(u.id, len(published))]),
                    "response_time_seconds": round(rng.lognormvariate(0.5, 0.6), 2)
                    if is_ai
                    else None,
                    "satisfaction_score": round(rng.triangular(2, 5, 4.5), 1)
                    if is_ai and rng.random() < 0.2
                    else None,
                    "created_at": moment(rng, u.created, u.leaves),
                }
            )
        return out

    def rule(n: int) -> dict[str, Any]:
        rng = ctx.rng("rule", n)
        name, conditions, template = RULES[n % len(RULES)]
        delay = (0, 15, 60)[n % 3]
        return {
            "id": uid("rule", n),
            "name": name if n < len(RULES) else f"{name} {n}",
            "description": rng.choice(words.sentences),
            "trigger_conditions": conditions,
            "actions": [
                {"type": "send_message", "message_template": template, "delay_minutes": delay}
            ],
            # The creator's six rules are on; the later copies are older variants, kept off.
            "is_active": n < len(RULES),
            "created_at": moment(rng, c.start, early),
        }

    n_rules = ctx.count(BASE["proactive_rules"])

    def triggers(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for k in range(a, b):
            u = users[rng.randrange(len(users))]
            at = c.within(rng, max(u.created, early), u.leaves)
            succeeded = rng.random() < 0.35
            responded = min(at + rng.expovariate(1 / 3) * cal.HOUR, c.end - 1)
            out.append(
                {
                    "id": uid("trigger", k),
                    "rule_id": uid("rule", k % n_rules),
                    "user_id": u.id,
                    "triggered_at": cal.as_datetime(at),
                    "succeeded": succeeded,
                    "responded_at": cal.as_datetime(max(at, responded)) if succeeded else None,
                }
            )
        return out

    return [
        listed("knowledge_bases", list(range(n_kb)), knowledge_base),
        listed("kb_documents", list(range(n_docs)), document),
        Stream("kb_chunks", len(completed_docs) * CHUNKS_PER_DOCUMENT, chunks),
        listed("programs", list(range(n_programs)), program),
        listed("program_versions", earlier, program_version_record),
        listed("badges", list(range(n_badges)), badge),
        listed("channels", list(range(len(CHANNELS))), channel),
        listed("end_users", users, end_user),
        Stream("enrollments", ctx.count(BASE["enrollments"]), enrollments),
        Stream("badge_awards", n_awards, awards, batch_size=max(1, n_awards)),
        Stream("interactions", ctx.count(BASE["interactions"]), interactions),
        listed("proactive_rules", list(range(n_rules)), rule),
        Stream("rule_triggers", ctx.count(BASE["rule_triggers"]), triggers),
    ]


def flow(rng: random.Random, version: int) -> dict[str, Any]:
    """A program's flow graph: start -> a few message/question steps -> end."""
    steps = 3 + version + rng.randrange(3)
    nodes = [{"id": "start", "type": "start", "position": {"x": 0, "y": 0}}]
    for i in range(steps):
        kind = rng.choice(("message", "question", "wait", "message"))
        nodes.append({"id": f"n{i + 1}", "type": kind, "position": {"x": 0, "y": 120 * (i + 1)}})
    nodes.append({"id": "end", "type": "end", "position": {"x": 0, "y": 120 * (steps + 1)}})
    edges = [
        {"id": f"e{i}", "source": a["id"], "target": b["id"]}
        for i, (a, b) in enumerate(itertools.pairwise(nodes))
    ]
    return {"nodes": nodes, "edges": edges}


def hash_index(key: str, n: int) -> int:
    """A stable index in [0, n) for a key (Python's hash() changes per process)."""
    return uuid.UUID(key).int % n if n else 0


def _end_users(ctx: DemoContext) -> list[EndUser]:
    c, rng = ctx.calendar, ctx.rng("end-users")
    drafts = []
    for _ in range(ctx.count(BASE["end_users"])):
        created = c.grown(rng, cal.CHARACTER_GROWTH)
        days = cal.survival_draw(rng, SURVIVAL)
        channel = cal.pick(rng, CHANNEL_WEIGHTS)
        drafts.append((created, created + max(days * cal.DAY, 3_600.0), channel))
    drafts.sort()
    return [
        EndUser(
            uid("end-user", n), channel, created, leaves, ctx.rng("eng", n).lognormvariate(0, 1)
        )
        for n, (created, leaves, channel) in enumerate(drafts)
    ]
