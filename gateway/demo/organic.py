"""Spec 003, the organic marketing dashboard: integrations, content (TikTok videos, blog
posts, emails) with daily metrics, generation jobs, reports, exports, email campaigns,
sequences with steps, leads and their enrollments, the activity feed, channel days and the
funnel touchpoints attribution is computed from.

Counts at scale s (each at least 1): 5 integrations; content 300s, of which every tenth is
scheduled (for the coming two weeks) and the others published, each published item with
14 daily metric rows; generation jobs 60s; 3 reports; 4 exports; email campaigns 10s;
4 sequences of 4 steps; leads 5,000s, every other one enrolled in one sequence; activities
500s; channel days = 6 channels x 396 days; touchpoints 30,000s.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from gateway.demo import calendar as cal
from gateway.demo.streams import DemoContext, Records, Stream, listed
from gateway.demo.words import pools
from gateway.ingestion.organic_email import lead_id_for

BASE = {
    "content": 300,
    "generation_jobs": 60,
    "email_campaigns": 10,
    "leads": 5_000,
    "activities": 500,
    "touchpoints": 30_000,
}
METRIC_DAYS = 14
SEQUENCES = ("Onboarding", "Abandoned cart", "Win-back", "VIP welcome")
STEPS_PER_SEQUENCE = 4
INTEGRATIONS = (  # every content type has a connected integration to publish through
    ("int_tiktok", "TikTok", "tiktok", "connected"),
    ("int_gmail", "Gmail", "gmail", "connected"),
    ("int_shopify", "Shopify", "shopify", "connected"),
    ("int_ga", "Google Analytics", "google_analytics", "error"),
    ("int_wordpress", "WordPress", "wordpress", "connected"),
)
# channel -> (share of traffic, conversion to purchase)
CHANNELS = {
    "tiktok": (30, 0.020),
    "blog": (20, 0.030),
    "email": (15, 0.060),
    "organic_search": (20, 0.035),
    "social": (10, 0.015),
    "direct": (5, 0.050),
}
_CHANNEL_CUM = cal.cumulative([v[0] for v in CHANNELS.values()])
STAGES = ("visit", "view_product", "add_to_cart", "checkout", "purchase")
STAGE_ON = (0.62, 0.45, 0.70, 0.75)  # share who go on to the next stage
LEAD_SOURCES = ("website", "tiktok", "blog", "checkout", "giveaway")
LEAD_TAGS = ("customer", "vip", "newsletter", "new", "deck-builder", "collector")
ACTIVITY_TYPES = (
    ("content_published", "{kind} published"),
    ("campaign_sent", "Email campaign sent"),
    ("lead_imported", "Leads imported"),
    ("report_generated", "Report generated"),
    ("integration_synced", "Integration synced"),
)


def streams(ctx: DemoContext) -> list[Stream]:
    c = ctx.calendar
    words = pools(ctx.seed)
    n_content = ctx.count(BASE["content"])

    def integration(item: tuple[str, str, str, str]) -> dict[str, Any]:
        id_, name, provider, status = item
        account = {
            "id": f"{provider[:2]}_demo",
            "username": f"@{provider}_demo",
            "followers": 12_500,
        }
        config = (
            {"email": "marketing@brand.example.com"}
            if provider == "gmail"
            else {"accounts": [account]}
        )
        return {
            "id": id_,
            "name": name,
            "provider": provider,
            "status": status,
            "config": config,
            "last_sync_at": cal.as_datetime(c.end - 3_600.0) if status == "connected" else None,
        }

    def content(n: int) -> dict[str, Any]:
        rng = ctx.rng("content", n)
        kind = ("tiktok", "tiktok", "blog", "email")[n % 4]
        scheduled = n % 10 == 9
        if scheduled:  # the content calendar of the coming two weeks
            at = c.end + rng.uniform(1, METRIC_DAYS) * cal.DAY
            created = c.end - rng.uniform(1, 10) * cal.DAY
        else:  # published early enough to have METRIC_DAYS of metrics
            at = c.within(rng, c.start, c.end - METRIC_DAYS * cal.DAY)
            created = at - rng.uniform(0.5, 5) * cal.DAY
        title = words.title(rng, 4)
        return {
            "id": f"cnt_{n + 1:05d}",
            "type": kind,
            "status": "scheduled" if scheduled else "published",
            "title": title,
            "body": words.paragraph(rng, 6 if kind == "blog" else 2),
            "media_urls": [f"https://cdn.example.com/v/{n + 1}.mp4"] if kind == "tiktok" else [],
            "metadata": {"hashtags": [f"#{w}" for w in rng.sample(words.words, 3)]},
            "scheduled_at": cal.as_datetime(at),
            "published_at": None if scheduled else cal.as_datetime(at),
            "created_at": cal.as_datetime(max(c.start, created)),
        }

    published = [n for n in range(n_content) if n % 10 != 9]

    def content_metrics(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for i in range(a, b):
            n, day = published[i // METRIC_DAYS], i % METRIC_DAYS
            item = ctx.rng("content", n)  # replays content(n)'s draw of its publish time
            published_at = c.within(item, c.start, c.end - METRIC_DAYS * cal.DAY)
            decay = 0.6**day  # most views come in the first days
            views = int(rng.lognormvariate(7.5, 1.0) * decay)
            likes = int(views * rng.uniform(0.03, 0.09))
            clicks = int(views * rng.uniform(0.01, 0.04))
            conversions = sum(rng.random() < 0.03 for _ in range(min(clicks, 200)))
            out.append(
                {
                    "content_id": f"cnt_{n + 1:05d}",
                    "date": dt.datetime.fromtimestamp(published_at + day * cal.DAY, dt.UTC).date(),
                    "views": views,
                    "likes": likes,
                    "shares": int(likes * rng.uniform(0.05, 0.2)),
                    "saves": int(likes * rng.uniform(0.05, 0.15)),
                    "clicks": clicks,
                    "conversions": conversions,
                    "revenue": f"{conversions * 29.99:.2f}",
                }
            )
        return out

    def job(n: int) -> dict[str, Any]:
        rng = ctx.rng("job", n)
        at = c.within(rng, c.start, c.end)
        done = n % 15 != 14
        return {
            "id": f"job_{n + 1:05d}",
            "platform": rng.choice(("tiktok", "blog", "email")),
            "product": f"{words.title(rng, 2)} deck",
            "content_type": rng.choice(("demo", "unboxing", "tutorial", "announcement")),
            "tone": rng.choice(("casual", "professional", "playful")),
            "length": rng.choice(("short", "medium", "long")),
            "status": "complete" if done else "failed",
            "progress": 100 if done else rng.randrange(10, 90),
            "result": {
                "title": words.title(rng, 5),
                "body": words.paragraph(rng, 3),
                "metadata": {"aiGenerated": True, "model": "gateway-offline-writer-1"},
            }
            if done
            else None,
            "error": None if done else "the provider did not answer within 60s",
            "created_at": cal.as_datetime(at),
            "updated_at": cal.as_datetime(at + rng.uniform(20, 120)),
        }

    def report(n: int) -> dict[str, Any]:
        return {
            "id": f"rpt_{n + 1:03d}",
            "name": ("Monthly performance", "Channel mix", "Email health")[n],
            "config": {"metrics": ["revenue", "traffic"], "dimensions": ["channel"]},
            "schedule": {"frequency": "weekly", "dayOfWeek": "monday", "time": "09:00"},
            "created_at": cal.as_datetime(c.start + (n + 1) * 20 * cal.DAY),
        }

    def export(n: int) -> dict[str, Any]:
        # Requested, not yet made: the job engine's sweep makes their files once serving.
        end = dt.datetime.fromtimestamp(c.end - (n * 30 + 1) * cal.DAY, dt.UTC).date()
        created = c.end - (n * 30 + 0.5) * cal.DAY
        return {
            "id": f"exp_{n + 1:03d}",
            "format": ("csv", "json", "xlsx", "csv")[n],
            "data": ("channel_performance", "funnel", "attribution", "leads")[n],
            "start_date": end - dt.timedelta(days=29),
            "end_date": end,
            "status": "processing",
            "created_at": cal.as_datetime(created),
        }

    n_leads = ctx.count(BASE["leads"])

    def campaign(n: int) -> dict[str, Any]:
        rng = ctx.rng("email-campaign", n)
        sent_at = c.within(rng, c.start + 30 * cal.DAY, c.end)
        recipients = rng.randint(n_leads // 4, n_leads)
        sent = recipients
        opened = int(sent * rng.uniform(0.3, 0.5))
        clicked = int(opened * rng.uniform(0.1, 0.25))
        return {
            "id": f"camp_{n + 1:04d}",
            "name": f"{words.title(rng, 2)} newsletter",
            "type": ("one-time", "one-time", "sequence", "triggered")[n % 4],
            "status": "completed" if n % 5 else "active",
            "segment": {"criteria": [{"field": "tags", "operator": "contains", "value": "new"}]},
            "content": {"subject": words.title(rng, 5)},
            "send_at": cal.as_datetime(sent_at),
            "recipient_count": recipients,
            "sent": sent,
            "opened": opened,
            "clicked": clicked,
            "converted": int(clicked * rng.uniform(0.05, 0.2)),
            "created_at": cal.as_datetime(sent_at - 2 * cal.DAY),
        }

    def sequence(n: int) -> dict[str, Any]:
        return {
            "id": f"seq_{n + 1:03d}",
            "name": SEQUENCES[n],
            "status": "active",
            "trigger": {"type": "tag_added", "value": LEAD_TAGS[n]},
            "created_at": cal.as_datetime(c.start + n * cal.DAY),
        }

    def step(i: int) -> dict[str, Any]:
        rng = ctx.rng("step", i)
        s, position = divmod(i, STEPS_PER_SEQUENCE)
        return {
            "id": f"step_{s + 1:03d}_{position + 1}",
            "sequence_id": f"seq_{s + 1:03d}",
            "position": position + 1,
            "name": words.title(rng, 3),
            "delay_seconds": position * 3 * 86_400,
            "subject": words.title(rng, 5),
            "content": {"html": f"<p>{rng.choice(words.sentences)}</p>"},
            "condition": None
            if position == 0
            else {"type": "email_opened", "stepId": f"step_{s + 1:03d}_{position}"},
        }

    def lead_identity(n: int) -> tuple[str, str]:
        """Lead n's name and email (drawn from its own seed: enrollments need the id)."""
        own = ctx.rng("lead", n)
        first, last = own.choice(words.first_names), own.choice(words.last_names)
        return f"{first} {last}", f"{first}.{last}{n + 1}@example.com".lower()

    def leads(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for n in range(a, b):
            name, email = lead_identity(n)
            sent = rng.randint(0, 40)
            opened = int(sent * rng.uniform(0.2, 0.6))
            roll = rng.random()
            out.append(
                {
                    "id": lead_id_for(email),
                    "email": email,
                    "name": name,
                    "tags": sorted(rng.sample(LEAD_TAGS, rng.randint(1, 3))),
                    "source": rng.choice(LEAD_SOURCES),
                    "status": "active"
                    if roll < 0.9
                    else "unsubscribed"
                    if roll < 0.97
                    else "bounced",
                    "custom_fields": {"city": rng.choice(words.cities)},
                    "emails_sent": sent,
                    "emails_opened": opened,
                    "links_clicked": int(opened * rng.uniform(0.05, 0.3)),
                    "created_at": cal.as_datetime(_lead_time(c, n, n_leads)),
                }
            )
        return out

    def enrollments(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for k in range(a, b):
            n = 2 * k  # every other lead
            out.append(
                {
                    "sequence_id": f"seq_{k % len(SEQUENCES) + 1:03d}",
                    "lead_id": lead_id_for(lead_identity(n)[1]),
                    "status": rng.choice(("enrolled", "completed", "completed", "converted")),
                    "enrolled_at": cal.as_datetime(
                        min(_lead_time(c, n, n_leads) + rng.uniform(60, 86_400), c.end - 1)
                    ),
                }
            )
        return out

    def activity(n: int) -> dict[str, Any]:
        rng = ctx.rng("activity", n)
        kind, title = ACTIVITY_TYPES[n % len(ACTIVITY_TYPES)]
        return {
            "id": f"act_{n + 1:06d}",
            "type": kind,
            "title": title.format(kind=rng.choice(("TikTok video", "Blog post"))),
            "description": rng.choice(words.sentences),
            "metadata": {"source": "demo"},
            "occurred_at": cal.as_datetime(c.within(rng, c.start, c.end)),
        }

    daily = _channel_days(ctx)

    def channel_day(item: tuple[str, int, int, int, int, float]) -> dict[str, Any]:
        channel, day, traffic, conversions, orders, revenue = item
        return {
            "channel": channel,
            "date": dt.datetime.fromtimestamp(c.start + day * cal.DAY, dt.UTC).date(),
            "revenue": f"{revenue:.2f}",
            "traffic": traffic,
            "conversions": conversions,
            "orders": orders,
        }

    def touchpoints(rng: random.Random, a: int, b: int) -> Records:
        out, n, visitor = [], a, a
        while n < b:
            channel = tuple(CHANNELS)[cal.pick(rng, _CHANNEL_CUM)]
            at = c.within(rng, c.start, c.end)
            for stage_no, stage in enumerate(STAGES):
                if n >= b:
                    break
                revenue = round(rng.lognormvariate(3.4, 0.4), 2) if stage == "purchase" else 0
                out.append(
                    {
                        "id": f"tp_{n + 1:07d}",
                        "visitor_id": f"vis_{visitor:07d}",
                        "channel": channel,
                        "stage": stage,
                        "revenue": f"{revenue:.2f}",
                        "occurred_at": cal.as_datetime(min(at, c.end - 1)),
                    }
                )
                n += 1
                at += rng.uniform(20, 600)
                if stage_no < len(STAGE_ON) and rng.random() > STAGE_ON[stage_no]:
                    break
            visitor += 1
        return out

    return [
        listed("integrations", list(INTEGRATIONS), integration),
        listed("content", list(range(n_content)), content),
        Stream("content_metrics", len(published) * METRIC_DAYS, content_metrics),
        listed("generation_jobs", list(range(ctx.count(BASE["generation_jobs"]))), job),
        listed("custom_reports", [0, 1, 2], report),
        listed("analytics_exports", [0, 1, 2, 3], export),
        listed("email_campaigns", list(range(ctx.count(BASE["email_campaigns"]))), campaign),
        # Leads before their sequences: the history's leads are not enrolled again by
        # the sequences' triggers (their enrolments are the history's, just after).
        Stream("leads", n_leads, leads),
        listed("email_sequences", list(range(len(SEQUENCES))), sequence),
        listed("sequence_steps", list(range(len(SEQUENCES) * STEPS_PER_SEQUENCE)), step),
        Stream("sequence_enrollments", (n_leads + 1) // 2, enrollments),
        listed("activities", list(range(ctx.count(BASE["activities"]))), activity),
        listed("channel_metrics", daily, channel_day),
        Stream("touchpoints", ctx.count(BASE["touchpoints"]), touchpoints),
    ]


def _lead_time(c: cal.Calendar, n: int, total: int) -> float:
    """Lead n's signup (leads are numbered in signup order): signups grow linearly over the
    history, so the share of leads by time t grows with t squared."""
    return c.start + (c.end - c.start - cal.DAY) * ((n + 0.5) / total) ** 0.5


def _channel_days(ctx: DemoContext) -> list[tuple[str, int, int, int, int, float]]:
    c, rng = ctx.calendar, ctx.rng("channel-days")
    out = []
    for channel, (share, rate) in CHANNELS.items():
        for day in range(c.days):
            growth = 1 + day / c.days
            weekday = cal.WEEKDAY_WEIGHTS[int(((c.start // cal.DAY) + day + 3) % 7)] / 22_000
            traffic = max(0, round(rng.gauss(1, 0.1) * share * 8 * ctx.scale * growth * weekday))
            conversions = sum(rng.random() < rate for _ in range(traffic))
            revenue = sum(rng.lognormvariate(3.4, 0.4) for _ in range(conversions))
            out.append((channel, day, traffic, conversions, conversions, round(revenue, 2)))
    return out
