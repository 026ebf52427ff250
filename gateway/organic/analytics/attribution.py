"""Attribution, all in one SQL statement over the touchpoints.

A conversion is a `purchase` touchpoint in the range, worth its revenue. Its path is the
same visitor's touchpoints at or before it (the purchase itself included), after the
visitor's previous purchase and at most LOOKBACK_DAYS before it. Each model splits one
conversion into credits that sum to 1 over its path:

- first: all to the first touchpoint; last: all to the last (the purchase itself);
- linear: 1/n to each of the n touchpoints;
- time-decay: in proportion to 2^(-age / HALF_LIFE_DAYS), age = time before the purchase.

A channel's attributed conversions and revenue are the sums of its credits (times the
revenue). They are rounded to cents by largest remainder, so they add up exactly to the
totals they split; weights (shares of the conversions) likewise add up to 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.organic.analytics.window import Range

MODELS = ("first", "last", "linear", "time-decay")
HALF_LIFE_DAYS = 7
LOOKBACK_DAYS = 30

# Credits in double precision (summing thousands of exact numeric fractions costs more
# than the whole rest of the statement); the rounding by largest remainder below absorbs
# the last bits, and the totals it splits are exact.
_CREDIT = {
    "first": "CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END",
    "last": "CASE WHEN pos = n THEN 1.0 ELSE 0.0 END",
    "linear": "1.0::float8 / n",
    "time-decay": "decay / sum(decay) OVER (PARTITION BY conv_id)",
}
_DECAY = (
    "power(0.5::float8, extract(epoch FROM c.occurred_at - t.occurred_at)::float8"
    " / (:half_life * 86400))"
)


def _apportioned(value: str, total: str, order: str) -> str:
    """SQL: `value` rounded to cents by largest remainder so the rows add up to `total`."""
    cents = f"floor(({value}) * 100)"
    rank = f"row_number() OVER (ORDER BY ({value}) * 100 - {cents} DESC, {order})"
    extra = f"(round(({total}) * 100) - sum({cents}) OVER ())"
    return f"({cents} + CASE WHEN {rank} <= {extra} THEN 1 ELSE 0 END) / 100"


def _sql(model: str) -> str:
    return f"""
WITH purchases AS (
  SELECT id, visitor_id, occurred_at, revenue,
         lag(occurred_at) OVER (PARTITION BY visitor_id ORDER BY occurred_at, id) AS prev_at
  FROM touchpoints
  WHERE workspace_id = :ws AND stage = 'purchase'
    AND occurred_at >= CAST(:since AS timestamptz) - make_interval(days => :lookback)
    AND occurred_at < :until
), conversions AS (
  SELECT * FROM purchases WHERE occurred_at >= :since
), paths AS (
  SELECT c.id AS conv_id, t.channel,
         row_number() OVER (PARTITION BY c.id ORDER BY t.occurred_at, t.id) AS pos,
         count(*) OVER (PARTITION BY c.id) AS n,
         {_DECAY if model == "time-decay" else "NULL::float8"} AS decay,
         c.revenue::float8 AS revenue
  FROM conversions c
  JOIN touchpoints t ON t.workspace_id = :ws AND t.visitor_id = c.visitor_id
   AND t.occurred_at <= c.occurred_at
   AND t.occurred_at >= c.occurred_at - make_interval(days => :lookback)
   AND (c.prev_at IS NULL OR t.occurred_at > c.prev_at)
), credits AS (
  SELECT channel, revenue, {_CREDIT[model]} AS credit FROM paths
), by_channel AS (
  SELECT channel, sum(credit) AS conversions, sum(credit * revenue) AS revenue
  FROM credits GROUP BY channel
), seen AS (
  SELECT channel, count(*) AS touchpoints FROM touchpoints
  WHERE workspace_id = :ws AND occurred_at >= :since AND occurred_at < :until
  GROUP BY channel
), totals AS (
  SELECT count(*) AS conversions, coalesce(sum(revenue), 0) AS revenue FROM conversions
), joined AS (
  SELECT coalesce(b.channel, s.channel) AS channel, coalesce(s.touchpoints, 0) AS touchpoints,
         coalesce(b.conversions, 0)::numeric AS conversions,
         coalesce(b.revenue, 0)::numeric AS revenue,
         CASE WHEN t.conversions > 0 THEN coalesce(b.conversions, 0)::numeric / t.conversions
              ELSE 0 END AS share,
         t.conversions AS total_conversions, t.revenue AS total_revenue
  FROM by_channel b FULL JOIN seen s ON s.channel = b.channel CROSS JOIN totals t
)
SELECT channel, touchpoints,
       {_apportioned("conversions", "total_conversions", "channel")} AS attributed_conversions,
       {_apportioned("revenue", "total_revenue", "channel")} AS attributed_revenue,
       {_apportioned("share", "CASE WHEN total_conversions > 0 THEN 1 ELSE 0 END", "channel")}
         AS weight,
       total_conversions, total_revenue
FROM joined
ORDER BY attributed_revenue DESC, attributed_conversions DESC, channel
"""


_STATEMENTS = {model: text(_sql(model)) for model in MODELS}


@dataclass(frozen=True)
class ChannelCredit:
    channel: str
    touchpoints: int
    conversions: Decimal
    revenue: Decimal
    weight: Decimal


@dataclass(frozen=True)
class Attribution:
    model: str
    channels: list[ChannelCredit]
    total_conversions: int
    total_revenue: Decimal


async def attribution(
    session: AsyncSession, workspace_id: str, period: Range, model: str
) -> Attribution:
    rows = (
        await session.execute(
            _STATEMENTS[model],
            {
                "ws": workspace_id,
                "since": period.since,
                "until": period.until,
                "lookback": LOOKBACK_DAYS,
                "half_life": HALF_LIFE_DAYS,
            },
        )
    ).all()
    channels = [
        ChannelCredit(
            r.channel, r.touchpoints, r.attributed_conversions, r.attributed_revenue, r.weight
        )
        for r in rows
    ]
    total_conversions = int(rows[0].total_conversions) if rows else 0
    total_revenue = Decimal(rows[0].total_revenue) if rows else Decimal(0)
    return Attribution(model, channels, total_conversions, total_revenue)
