"""Spec 004, the AI social media platform: social accounts, ad campaigns with daily
metrics, posts with their metrics, the seven AI agents' status history, daily platform
metrics per account, and the business and brand settings.

Counts at scale s (each at least 1): 6 accounts (one per platform); ad campaigns 12s, each
with 60 daily metric rows; posts 1,000s, every tenth scheduled (for the coming week), every
25th a draft, the others published with one metrics row each; 7 agents x 4 reports a day
over the last 30 days; platform days = 6 accounts x 90 days; one business and one brand
settings row.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from gateway.demo import calendar as cal
from gateway.demo.streams import DemoContext, Records, Stream, listed
from gateway.demo.words import pools

BASE = {"ad_campaigns": 12, "posts": 1_000}
CAMPAIGN_DAYS = 60
AGENT_DAYS, REPORTS_PER_DAY = 30, 4
PLATFORM_DAYS = 90
# platform -> (followers at the anchor, post types)
PLATFORMS = {
    "instagram": (12_500, ("image", "carousel", "reel", "story")),
    "facebook": (8_200, ("text", "image", "video")),
    "linkedin": (3_100, ("text", "article", "image")),
    "twitter": (5_400, ("text", "image")),
    "tiktok": (21_000, ("video",)),
    "youtube": (2_700, ("video",)),
}
# The seven agents of spec 004's GET /dashboard/agents:
# (id, tasks a day, average seconds per task, base efficiency, tasks).
AGENTS = (
    ("intelligence", 4.2, 45, 94, ("Analyzing competitor strategies", "Scanning trends")),
    ("strategy", 3.0, 62, 91, ("Planning Q1 content strategy", "Reviewing audience segments")),
    ("content", 7.8, 28, 96, ("Creating Instagram carousel", "Writing video script")),
    ("execution", 5.2, 15, 88, ("Scheduling posts", "Publishing scheduled content")),
    ("learning", 2.6, 120, 92, ("Optimizing posting times", "Retraining engagement model")),
    ("engagement", 10.4, 8, 89, ("Responding to comments", "Monitoring brand mentions")),
    ("analytics", 1.5, 180, 95, ("Generating weekly report", "Compiling insights")),
)
HASHTAGS = ("#garden", "#growth", "#tips", "#behindthescenes", "#newdrop", "#community")
INTERESTS = ("gardening", "sustainability", "home decor", "cooking", "outdoors", "design")


def streams(ctx: DemoContext) -> list[Stream]:
    c = ctx.calendar
    words = pools(ctx.seed)
    n_campaigns, n_posts = ctx.count(BASE["ad_campaigns"]), ctx.count(BASE["posts"])
    platforms = tuple(PLATFORMS)
    brand = words.companies[0]

    def account(n: int) -> dict[str, Any]:
        platform = platforms[n]
        handle = "@" + "".join(ch for ch in brand.lower() if ch.isalnum())[:20]
        return {
            "id": f"social_{n + 1:04d}",
            "platform": platform,
            "username": handle,
            "display_name": brand,
            "followers": round(PLATFORMS[platform][0] * ctx.scale) or 1,
            "permissions": ["read", "write", "publish", "analytics"],
            "last_sync_at": cal.as_datetime(c.end - 600.0),
            "connected_at": cal.as_datetime(c.start + n * cal.DAY),
        }

    def campaign_start(n: int) -> float:
        """Campaigns start spread over the history, the newest 60 days before the anchor."""
        last = c.end - CAMPAIGN_DAYS * cal.DAY
        return last - (n_campaigns - 1 - n) * (last - c.start) / max(1, n_campaigns)

    def campaign(n: int) -> dict[str, Any]:
        rng = ctx.rng("ad-campaign", n)
        start = campaign_start(n)
        end = start + (CAMPAIGN_DAYS + (30 if n == n_campaigns - 1 else 0)) * cal.DAY
        daily = rng.choice((50, 75, 100, 150, 200))
        return {
            "id": f"camp_{n + 1:04d}",
            "name": f"{words.title(rng, 2)} {('Launch', 'Push', 'Promo', 'Series')[n % 4]}",
            "platform": platforms[n % 4],  # ads run on Instagram, Facebook, LinkedIn, X
            "type": ("conversion", "awareness", "traffic", "engagement")[n % 4],
            "status": "active" if end > c.end else "completed",
            "budget_total": f"{daily * (end - start) / cal.DAY:.2f}",
            "budget_daily": f"{daily:.2f}",
            "targeting": {
                "age_range": rng.choice(("18-24", "25-45", "35-54", "45+")),
                "interests": rng.sample(INTERESTS, 2),
                "locations": ["United States", "Canada"],
            },
            "start_at": cal.as_datetime(start),
            "end_at": cal.as_datetime(end),
            "creative": {"headline": words.title(rng, 4), "description": words.paragraph(rng, 1)},
            "created_at": cal.as_datetime(start - 5 * cal.DAY),
        }

    def campaign_metrics(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for i in range(a, b):
            n, day = divmod(i, CAMPAIGN_DAYS)
            daily = float(ctx.rng("ad-campaign", n).choice((50, 75, 100, 150, 200)))
            spend = daily * rng.uniform(0.8, 1.0)
            clicks = int(spend / rng.uniform(0.6, 1.4))
            impressions = int(clicks / rng.uniform(0.01, 0.03))
            conversions = sum(rng.random() < 0.04 for _ in range(clicks))
            out.append(
                {
                    "campaign_id": f"camp_{n + 1:04d}",
                    "date": dt.datetime.fromtimestamp(
                        campaign_start(n) + day * cal.DAY, dt.UTC
                    ).date(),
                    "impressions": impressions,
                    "clicks": clicks,
                    "conversions": conversions,
                    "spend": f"{spend:.2f}",
                    "revenue": f"{conversions * rng.uniform(30, 60):.2f}",
                }
            )
        return out

    def post_status(n: int) -> str:
        return "scheduled" if n % 10 == 9 else "draft" if n % 25 == 24 else "published"

    def post(n: int) -> dict[str, Any]:
        rng = ctx.rng("post", n)
        platform = platforms[n % len(platforms)]
        status = post_status(n)
        if status == "scheduled":
            at = c.end + rng.uniform(0.1, 7) * cal.DAY
            created = c.end - rng.uniform(0.1, 3) * cal.DAY
        else:
            at = c.within(rng, c.start, c.end - cal.HOUR)
            created = max(c.start, at - rng.uniform(1, 72) * cal.HOUR)
        kind = rng.choice(PLATFORMS[platform][1])
        ai = rng.random() < 0.6
        # As spec 004 shows media: a video with its thumbnail, an image with its alt text.
        if kind in ("text", "article"):
            media = []
        elif kind in ("video", "reel"):
            media = [
                {
                    "type": "video",
                    "url": f"https://cdn.example.com/videos/{n + 1}.mp4",
                    "thumbnail": f"https://cdn.example.com/thumbnails/{n + 1}.jpg",
                }
            ]
        else:
            media = [{"type": "image", "url": f"https://cdn.example.com/posts/{n + 1}.jpg",
                      "alt": words.title(rng, 3)}]  # fmt: skip
        in_campaign = rng.random() < 0.2
        return {
            "id": f"post_{n + 1:05d}",
            "title": words.title(rng, 4),
            "content": words.paragraph(rng, 2),
            "platform": platform,
            "post_type": kind,
            "status": status,
            "scheduled_at": cal.as_datetime(at) if status != "draft" else None,
            "published_at": cal.as_datetime(at) if status == "published" else None,
            "media": media,
            "hashtags": rng.sample(HASHTAGS, 2),
            "ai_generated": ai,
            "ai_confidence": round(rng.uniform(0.75, 0.99), 2) if ai else None,
            "campaign_id": f"camp_{rng.randrange(n_campaigns) + 1:04d}" if in_campaign else None,
            "created_at": cal.as_datetime(created),
        }

    published = [n for n in range(n_posts) if post_status(n) == "published"]

    def post_metrics(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for n in published[a:b]:
            followers = PLATFORMS[platforms[n % len(platforms)]][0]
            views = int(followers * rng.lognormvariate(-0.5, 0.8))
            likes = int(views * rng.uniform(0.01, 0.05))
            out.append(
                {
                    "post_id": f"post_{n + 1:05d}",
                    "views": views,
                    "likes": likes,
                    "comments": int(likes * rng.uniform(0.05, 0.2)),
                    "shares": int(likes * rng.uniform(0.02, 0.1)),
                    "clicks": int(views * rng.uniform(0.005, 0.03)),
                    "reach": int(views * rng.uniform(0.5, 0.8)),
                    "measured_at": cal.as_datetime(c.end - 1_800.0),
                }
            )
        return out

    n_reports = AGENT_DAYS * REPORTS_PER_DAY

    def agent_reports(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for i in range(a, b):
            k, r = divmod(i, n_reports)
            slug, per_day, seconds, efficiency, tasks = AGENTS[k]
            at = c.end - (n_reports - r) * cal.DAY / REPORTS_PER_DAY + k * 60.0
            done = round(per_day * (AGENT_DAYS * 3 + r / REPORTS_PER_DAY))
            status = "active" if rng.random() < 0.9 else rng.choice(("idle", "paused"))
            out.append(
                {
                    "agent_id": slug,
                    "reported_at": cal.as_datetime(at),
                    "name": f"{slug.title()} Agent",
                    "status": status,
                    "efficiency": round(min(100, rng.gauss(efficiency, 1.5)), 1),
                    "current_task": rng.choice(tasks),
                    "tasks_completed": done,
                    "tasks_in_progress": rng.randint(1, 1 + math.ceil(per_day)),
                    "average_time": round(rng.gauss(seconds, seconds / 10)),
                    "success_rate": round(min(100.0, rng.gauss(97, 1.2)), 1),
                    "next_action": rng.choice(tasks),
                    "priority": ("high", "medium", "low")[k % 3],
                    "progress": rng.randrange(0, 101),
                    "estimated_completion": cal.as_datetime(at + seconds * 10),
                }
            )
        return out

    def platform_days(rng: random.Random, a: int, b: int) -> Records:
        out = []
        for i in range(a, b):
            n, day = divmod(i, PLATFORM_DAYS)
            at = c.end - (PLATFORM_DAYS - day) * cal.DAY
            final = PLATFORMS[platforms[n]][0] * ctx.scale
            followers = round(final * (0.8 + 0.2 * day / PLATFORM_DAYS))
            reach = int(final * rng.uniform(0.15, 0.35))
            out.append(
                {
                    "social_account_id": f"social_{n + 1:04d}",
                    "date": dt.datetime.fromtimestamp(at, dt.UTC).date(),
                    "reach": reach,
                    "engagement": int(reach * rng.uniform(0.04, 0.09)),
                    "followers": followers,
                    "posts": rng.choice((0, 1, 1, 2)),
                    "revenue": f"{reach * rng.uniform(0.005, 0.04):.2f}",
                }
            )
        return out

    def business(_: int) -> dict[str, Any]:
        return {
            "company_name": brand,
            "industry": "Home and garden",
            "business_type": "B2C",
            "company_size": "11-50",
            "website": "https://brand.example.com",
            "founded_year": 2018,
            "description": words.paragraph(ctx.rng("business"), 2),
            "contact": {"email": "hello@brand.example.com", "phone": "+1 555 0100"},
            "marketing": {
                "brand_voice": "friendly",
                "content_style": "educational",
                "posting_frequency": "daily",
                "target_audience": "Urban gardeners, 25-45",
                "business_objectives": ["brand_awareness", "lead_generation"],
            },
            "updated_at": cal.as_datetime(c.start + 2 * cal.DAY),
        }

    def brand_settings(_: int) -> dict[str, Any]:
        return {
            "colors": {"primary": "#2F855A", "secondary": "#F6E05E", "text": "#1A202C"},
            "assets": {"primary_logo": "https://cdn.example.com/brand/logo.png"},
            "guidelines": {"brand_voice": "friendly", "content_style": "educational"},
            "updated_at": cal.as_datetime(c.start + 2 * cal.DAY),
        }

    return [
        listed("social_accounts", list(range(len(platforms))), account),
        listed("ad_campaigns", list(range(n_campaigns)), campaign),
        Stream("campaign_metrics", n_campaigns * CAMPAIGN_DAYS, campaign_metrics),
        listed("posts", list(range(n_posts)), post),
        Stream("post_metrics", len(published), post_metrics),
        Stream("agent_status", len(AGENTS) * n_reports, agent_reports),
        Stream("platform_metrics", len(platforms) * PLATFORM_DAYS, platform_days),
        listed("business_settings", [0], business),
        listed("brand_settings", [0], brand_settings),
    ]
