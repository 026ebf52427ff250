"""The subscription rollups, the users' subscription totals and their funnel, premium and
creator places, as kept by ingestion, equal their rebuild from the raw rows: with
subscriptions created, cancelled, ended, re-subscribed, moved between users and tiers,
temporary users who later register, creators and transactions whose status changes, in
shuffled batches. The numbers read from them equal the raw-row formulas they replaced, for
several "now"s (one exactly on a retention due time) and periods."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from gateway.database import transaction
from gateway.ingestion import ingest
from gateway.ingestion.rollup_rebuild import rebuild
from models.analytics import revenue, users
from models.analytics.window import Frame, Window, buckets, money, pct
from tests.ingestion.test_activity_rollups import DERIVED, _activity, _tables
from tests.rest.dataset import set_timezone
from tests.utils.builders import BASE_TIME, at, character, creator, user

SUBSCRIPTION_DERIVED = {
    **DERIVED,
    "platform_tier_subscriptions": "tier_id, active",
    "platform_subscription_days": "kind, day, subscriptions",
    "platform_subscription_retention": "months, due_on, kept, subscriptions",
    "platform_hourly": "hour, first_subscriptions",
    "platform_user_stats": "user_id, messages, images, sessions, favorites, first_message_at, "
    "active_subscriptions, first_subscription_at",
}

TIERS = [
    {"id": "tier_a", "name": "Basic", "price": "4.99"},
    {"id": "tier_b", "name": "Pro", "price": "29.97", "interval_months": 3},
    {"id": "tier_c", "name": "Idle", "price": "1.00"},
]


def _when(base: datetime) -> str:
    return base.isoformat()


def _subscriptions(seed: int) -> tuple[list[dict], list[dict]]:
    """First versions of every subscription, then the later versions (cancellations, ends,
    tier or user moves, corrected start times) and re-subscriptions."""
    rng = random.Random(seed)
    first, later = [], []
    n = 0
    for u in range(1, 17):
        for _ in range(rng.randint(0, 3)):
            n += 1
            start = BASE_TIME + timedelta(
                days=rng.randint(-420, 30), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
            )
            if n % 5 == 0:  # on a month end: due times clamp (Jan 31 + 1 month = Feb 29)
                start = datetime(2023, 1 + n % 12, 28, 22, 30, tzinfo=UTC) + timedelta(days=3)
            sub = {
                "id": f"sub_{n}",
                "user_id": f"user_{u}",
                "tier_id": rng.choice(("tier_a", "tier_a", "tier_b")),
                "created_at": _when(start),
            }
            first.append(sub)
            change = rng.random()
            if change < 0.3:
                later.append(
                    {
                        **sub,
                        "status": "cancelled",
                        "cancelled_at": _when(start + timedelta(days=rng.randint(0, 200))),
                    }
                )
            elif change < 0.45:
                later.append(
                    {
                        **sub,
                        "status": "expired",
                        "ends_at": _when(start + timedelta(days=rng.randint(20, 400))),
                    }
                )
            elif change < 0.55:
                later.append(
                    {**sub, "tier_id": "tier_b" if sub["tier_id"] == "tier_a" else "tier_a"}
                )
            elif change < 0.62:
                later.append({**sub, "user_id": f"user_{rng.randint(1, 16)}"})
            elif change < 0.7:
                later.append({**sub, "created_at": _when(start - timedelta(days=40, hours=3))})
            elif change < 0.8:  # cancelled, then taken up again under a new id
                later.append(
                    {**sub, "status": "cancelled", "cancelled_at": _when(start + timedelta(days=9))}
                )
                n += 1
                later.append(
                    {**sub, "id": f"sub_{n}", "created_at": _when(start + timedelta(days=15))}
                )
    return first, later


def _transactions(seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed + 10)
    rows = [
        {
            "id": f"txn_{n}",
            "user_id": f"user_{rng.randint(1, 16)}",
            "type": rng.choice(("subscription", "point_purchase", "tip")),
            "amount": f"{rng.randint(1, 3000) / 100:.2f}",
            "status": "completed" if n % 4 else "pending",
            "created_at": at(rng.randint(-10, 30), rng.randint(0, 23)),
        }
        for n in range(1, 25)
    ]
    edits = [{**rows[i], "status": "refunded"} for i in range(0, 24, 5)]
    edits += [{**rows[i], "status": "completed"} for i in range(3, 24, 8)]
    edits += [{**rows[1], "user_id": "user_15"}, {**rows[2], "created_at": at(-30)}]
    return rows, edits


async def _batches(upload, kind: str, rows: list[dict], seed: int, size: int = 3) -> None:  # type: ignore[no-untyped-def]
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    for i in range(0, len(rows), size):
        await upload(kind, rows[i : i + size])


async def _load(upload, seed: int) -> None:  # type: ignore[no-untyped-def]
    await upload("subscription_tiers", TIERS)
    registered = [user(n, created_at=at(-6 + n % 5, n)) for n in range(1, 13)]
    temporary = [
        user(n, created_at=at(-3, n), is_temporary=True, language=None) for n in range(13, 17)
    ]
    await upload("users", registered + temporary)
    await upload("characters", [character(n, None) for n in range(1, 5)])
    await upload("creators", [creator(2), creator(5), creator(13)])
    activity = _activity(seed)
    activity["messages"] += [
        {"user_id": f"user_{n}", "character_id": "char_1", "created_at": at(n - 10, 5)}
        for n in range(13, 17)
        for _ in range(n - 6)  # 7..10 messages: user_16 is engaged
    ]
    subs, sub_edits = _subscriptions(seed)
    txns, txn_edits = _transactions(seed)
    # Everything interleaved: the first versions of subscriptions and transactions, activity.
    jobs = [("subscriptions", subs), ("transactions", txns), *activity.items()]
    random.Random(seed).shuffle(jobs)
    for kind, rows in jobs:
        await _batches(upload, kind, rows, seed, 7 if kind in activity else 3)
    await _batches(upload, "subscriptions", sub_edits, seed + 1)
    await _batches(upload, "transactions", txn_edits, seed + 2)
    # Temporary users register (one on another day), a creator profile is corrected.
    await upload(
        "users",
        [user(13, created_at=at(2, 5)), user(14, created_at=at(-3, 14), language="ja")],
    )
    await upload("creators", [creator(5, username="Renamed")])


@pytest.fixture(params=[(1, "UTC"), (2, "America/New_York")], ids=["utc", "new-york"])
async def loaded(request, upload, sessions, workspace):  # type: ignore[no-untyped-def]
    seed, tz = request.param
    await set_timezone(sessions, workspace, tz)
    await _load(upload, seed)
    return seed, tz


async def test_upkeep_equals_a_rebuild(loaded, sessions, workspace):  # type: ignore[no-untyped-def]
    kept = await _tables(sessions, workspace, SUBSCRIPTION_DERIVED)
    assert all(kept.values()), {t: len(r) for t, r in kept.items()}
    async with transaction(sessions) as session:
        await rebuild(session, workspace)
    rebuilt = await _tables(sessions, workspace, SUBSCRIPTION_DERIVED)
    assert {t: rows for t, rows in rebuilt.items() if rows != kept[t]} == {}


# --- the raw-row formulas the rollups replaced ------------------------------------------------

_RAW_HEAD = """
SELECT count(*) FILTER (WHERE s.status = 'active') AS active,
  count(*) FILTER (WHERE s.created_at >= :ws_start) AS new_week,
  count(*) FILTER (WHERE s.cancelled_at >= :ws_start) AS cancelled_week,
  count(*) FILTER (WHERE s.gone >= :p_start AND s.gone < :p_end) AS ended_period,
  count(*) FILTER (WHERE s.created_at < :p_end AND NOT coalesce(s.gone < :p_start, FALSE))
    AS at_risk
FROM (SELECT *, CASE WHEN LEAST(cancelled_at, ends_at) IS NOT NULL  -- (GREATEST skips NULLs)
        THEN GREATEST(created_at, LEAST(cancelled_at, ends_at)) END AS gone
      FROM subscriptions WHERE workspace_id = :ws) s
"""

_RAW_TIERS = """
SELECT t.name, count(s.id) AS n FROM subscription_tiers t
LEFT JOIN subscriptions s ON s.workspace_id = t.workspace_id AND s.tier_id = t.id
  AND s.status = 'active'
WHERE t.workspace_id = :ws GROUP BY t.id, t.name ORDER BY 1
"""

_RAW_RETENTION = """
SELECT count(*) AS eligible, count(*) FILTER (WHERE
  coalesce(cancelled_at, 'infinity') >= due AND coalesce(ends_at, 'infinity') >= due) AS kept
FROM (SELECT cancelled_at, ends_at, created_at + make_interval(months => CAST(:m AS int)) AS due
      FROM subscriptions WHERE workspace_id = :ws) s
WHERE due <= :now
"""

_RAW_FUNNEL = """
SELECT count(*) AS registered,
  count(*) FILTER (WHERE s.messages > 0) AS activated,
  count(*) FILTER (WHERE s.messages >= 10) AS engaged,
  count(*) FILTER (WHERE s.revenue > 0) AS paying,
  avg(extract(epoch FROM s.first_purchase_at - u.created_at)) / 86400 AS to_purchase,
  avg(extract(epoch FROM sub.first - s.first_message_at) / 86400)
    FILTER (WHERE sub.first >= s.first_message_at) AS chat_to_sub
FROM platform_users u
LEFT JOIN platform_user_stats s ON s.workspace_id = u.workspace_id AND s.user_id = u.id
LEFT JOIN (SELECT user_id, min(created_at) AS first FROM subscriptions WHERE workspace_id = :ws
           GROUP BY user_id) sub ON sub.user_id = u.id
WHERE u.workspace_id = :ws AND NOT u.is_temporary
"""

_PREMIUM = (
    "SELECT DISTINCT user_id FROM subscriptions WHERE workspace_id = :ws AND status = 'active'"
)

_RAW_USERS = f"""
SELECT (SELECT count(*) FROM ({_PREMIUM}) p JOIN platform_users u ON
  u.workspace_id = :ws AND u.id = p.user_id WHERE u.created_at >= :start
  AND u.created_at < :end) AS premium,
 (SELECT count(*) FROM creators c JOIN platform_users u ON u.workspace_id = c.workspace_id
  AND u.id = c.id WHERE c.workspace_id = :ws AND u.created_at >= :start AND u.created_at < :end)
  AS creators,
 (SELECT count(*) FROM ({_PREMIUM}) p) AS premium_all,
 (SELECT coalesce(sum(s.revenue), 0) FROM ({_PREMIUM}) p LEFT JOIN platform_user_stats s
  ON s.workspace_id = :ws AND s.user_id = p.user_id) AS premium_revenue
"""

_RAW_FIRST = """
SELECT date_trunc(:trunc, first AT TIME ZONE :tz)::date AS b, count(*) AS n FROM
(SELECT user_id, min(created_at) AS first FROM subscriptions WHERE workspace_id = :ws
 GROUP BY user_id) f WHERE first >= :start AND first < :end GROUP BY 1
"""


async def _raw(session, sql: str, **params):  # type: ignore[no-untyped-def]
    return (await session.execute(text(sql), params)).one()


def _windows(frame: Frame) -> list[Window]:
    return [frame.last_days(days) for days in (7, 30, 90, 365, None)]


async def _nows(session, workspace: str) -> list[datetime]:  # type: ignore[no-untyped-def]
    """Mid-day instants, the start of a UTC day, and exactly the month-1 and month-12 due
    times of subscriptions (where `due <= now` is decided on the instant), two of them
    started at a month's end (sub_5, sub_10)."""
    due = (
        await session.execute(
            text(
                "SELECT created_at + interval '1 month' AS d1, created_at + interval '12 months' "
                "AS d12 FROM subscriptions WHERE workspace_id = :ws "
                "AND id IN ('sub_1', 'sub_2', 'sub_5', 'sub_10')"
            ),
            {"ws": workspace},
        )
    ).all()
    fixed = [BASE_TIME + timedelta(days=d, hours=h) for d, h in ((35, 0.5), (12, 13.25), (40, -12))]
    return fixed + [row.d1 for row in due] + [row.d12 for row in due]


async def test_numbers_equal_the_raw_formulas(loaded, sessions, workspace):  # type: ignore[no-untyped-def]
    _, tz = loaded
    checked = 0
    async with sessions() as session:
        for now in await _nows(session, workspace):
            frame = Frame(workspace, tz, now)
            week = frame.last_days(7)
            funnel = await revenue.conversions(session, frame)
            raw = await _raw(session, _RAW_FUNNEL, ws=workspace)
            assert funnel["registered"] == raw.registered
            assert (funnel["activated"], funnel["engaged"], funnel["paying"]) == (
                raw.activated,
                raw.engaged,
                raw.paying,
            )
            assert funnel["days_to_first_purchase"] == (
                None if raw.to_purchase is None else float(raw.to_purchase)
            )
            assert funnel["days_from_first_chat_to_subscription"] == (
                None if raw.chat_to_sub is None else float(raw.chat_to_sub)
            )
            segments = {s["key"]: s for s in await users.segments(session, frame)}
            for window in _windows(frame):
                got = await revenue.subscriptions(session, window)
                head = await _raw(
                    session,
                    _RAW_HEAD,
                    ws=workspace,
                    ws_start=week.start,
                    p_start=window.start,
                    p_end=window.end,
                )
                assert got["active_subscriptions"] == head.active
                assert got["new_subscriptions_this_week"] == head.new_week
                assert got["cancelled_this_week"] == head.cancelled_week
                # Ended in the period, of those active at its start or started in it.
                assert got["churn_rate"] == pct(head.ended_period, head.at_risk)
                assert 0.0 <= got["churn_rate"] <= 100.0
                tiers = (await session.execute(text(_RAW_TIERS), {"ws": workspace})).all()
                assert sorted((t["tier"], t["subscribers"]) for t in got["by_tier"]) == [
                    (t.name, t.n) for t in tiers
                ]
                for m in (1, 3, 6, 12):
                    r = await _raw(session, _RAW_RETENTION, ws=workspace, m=m, now=now)
                    expected = pct(r.kept, r.eligible) if r.eligible else None
                    assert got["retention"][f"month{m}"] == expected, (now, m)
                    checked += r.eligible
                stats = await users.user_stats(session, window)
                raw_users = await _raw(
                    session, _RAW_USERS, ws=workspace, start=window.start, end=window.end
                )
                assert (stats["premium_users"], stats["creator_accounts"]) == (
                    raw_users.premium,
                    raw_users.creators,
                )
                assert segments["premium"]["count"] == raw_users.premium_all
                assert segments["premium"]["average_revenue"] == (
                    money(raw_users.premium_revenue / raw_users.premium_all)
                    if raw_users.premium_all
                    else 0.0
                )
                if window.is_all_time:
                    continue
                for granularity in ("day", "week", "month"):
                    growth = await users.user_growth(session, window, granularity)
                    found = (
                        await session.execute(
                            text(_RAW_FIRST),
                            {
                                "trunc": granularity,
                                "tz": tz,
                                "ws": workspace,
                                "start": window.start,
                                "end": window.end,
                            },
                        )
                    ).all()
                    by_key = {r.b.isoformat(): r.n for r in found}
                    expected = [by_key.get(k, 0) for k in buckets(window, granularity)]
                    assert growth["premium_conversions"] == expected, (window, granularity)
                if window.days == 7:  # hour buckets count too (they were all 0 before)
                    hourly = await users.user_growth(session, window, "hour")
                    assert sum(hourly["premium_conversions"]) == sum(growth["premium_conversions"])
            summary = await revenue.revenue_summary(session, frame.last_days(30))
            assert summary["active_subscribers"] == head.active
    assert checked > 0


async def test_retention_due_on_the_instant(upload, sessions, workspace):  # type: ignore[no-untyped-def]
    """A subscription created Jan 31 is due for month 1 on Feb 29 (month ends clamp): not
    eligible a microsecond before, eligible at the instant, kept when cancelled after it."""
    await upload("subscription_tiers", TIERS[:1])
    await upload("users", [user(1)])
    start = datetime(2024, 1, 31, 15, 0, tzinfo=UTC)
    due = datetime(2024, 2, 29, 15, 0, tzinfo=UTC)
    await upload(
        "subscriptions",
        [
            {
                "id": "sub_1",
                "user_id": "user_1",
                "tier_id": "tier_a",
                "status": "cancelled",
                "created_at": _when(start),
                "cancelled_at": _when(due),
            }
        ],
    )
    async with sessions() as session:
        for now, expected in (
            (due - timedelta(microseconds=1), None),
            (due, 100.0),
            (due + timedelta(days=3), 100.0),
        ):
            frame = Frame(workspace, "UTC", now)
            got = await revenue.subscriptions(session, frame.last_days(30))
            assert got["retention"]["month1"] == expected, now


async def test_a_concurrent_subscription_upload_waits_for_the_first(  # type: ignore[no-untyped-def]
    upload, sessions, workspace
):
    """B re-places user_1 while A's upload of user_1's subscription is still open: B waits
    for A, so neither's stored place is taken out twice."""
    await upload("subscription_tiers", TIERS[:2])
    await upload("users", [user(1), user(2)])

    def sub(n: int, **kw) -> dict:  # type: ignore[no-untyped-def]
        return {
            "id": f"sub_{n}",
            "user_id": "user_1",
            "tier_id": "tier_a",
            "created_at": at(n),
            **kw,
        }

    async with sessions() as first:
        await ingest(first, data_type="subscriptions", records=[sub(1)], workspace_id=workspace)
        # Another tier and day: no counter row of A's to wait on, only the user's.
        second = asyncio.create_task(upload("subscriptions", [sub(2, tier_id="tier_b")]))
        third = asyncio.create_task(
            upload(
                "transactions",
                [
                    {
                        "id": "txn_1",
                        "user_id": "user_1",
                        "type": "tip",
                        "amount": "2.00",
                        "created_at": at(1),
                    }
                ],
            )
        )
        await asyncio.sleep(0.5)
        assert not second.done() and not third.done(), "an upload did not wait for the first"
        await first.commit()
    await second
    await third
    kept = await _tables(sessions, workspace, SUBSCRIPTION_DERIVED)
    async with transaction(sessions) as session:
        await rebuild(session, workspace)
    assert await _tables(sessions, workspace, SUBSCRIPTION_DERIVED) == kept
    await upload("subscriptions", [sub(1, status="cancelled", cancelled_at=at(3))])
    async with sessions() as session:
        frame = Frame(workspace, "UTC", datetime.fromisoformat(at(10)))
        segments = {s["key"]: s["count"] for s in await users.segments(session, frame)}
        assert segments["premium"] == 1
        assert (await revenue.subscriptions(session, frame.last_days(30)))[
            "active_subscriptions"
        ] == 1


async def test_an_edit_moves_a_payment_out_of_its_old_hour_and_user(upload, sessions, workspace):  # type: ignore[no-untyped-def]
    await upload("users", [user(1), user(2)])
    txn = {"id": "txn_1", "user_id": "user_1", "type": "tip", "amount": "5.00", "created_at": at(1)}
    await upload("transactions", [txn])
    await upload("transactions", [{**txn, "user_id": "user_2", "created_at": at(2)}])
    async with sessions() as session:
        hours = await session.execute(
            text(
                "SELECT hour, revenue_tip, count_tip FROM platform_hourly WHERE workspace_id = :ws "
                "AND (revenue_tip <> 0 OR count_tip <> 0)"
            ),
            {"ws": workspace},
        )
        assert [(h.isoformat(), float(r), n) for h, r, n in hours.all()] == [(at(2), 5.0, 1)]
        payers = await session.execute(
            text("SELECT user_id, revenue FROM platform_user_stats WHERE workspace_id = :ws"),
            {"ws": workspace},
        )
        assert {u: float(r) for u, r in payers.all()} == {"user_1": 0.0, "user_2": 5.0}
