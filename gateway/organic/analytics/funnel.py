"""The funnel: distinct visitors of the range who reached each stage (or a later one), from
the touchpoints; percentages of the first stage, drop-offs from the stage before."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.organic.analytics.window import Range

STAGES = (
    ("visit", "Visit"),
    ("view_product", "View Product"),
    ("add_to_cart", "Add to Cart"),
    ("checkout", "Checkout"),
    ("purchase", "Purchase"),
)
_DEPTH = " ".join(f"WHEN '{stage}' THEN {n}" for n, (stage, _) in enumerate(STAGES, 1))
_SQL = text(
    f"""
WITH reached AS (
  SELECT max(CASE stage {_DEPTH} END) AS depth
  FROM touchpoints
  WHERE workspace_id = :ws AND occurred_at >= :since AND occurred_at < :until
  GROUP BY visitor_id
)
SELECT {", ".join(f"count(*) FILTER (WHERE depth >= {n})" for n in range(1, len(STAGES) + 1))}
FROM reached
"""
)


@dataclass(frozen=True)
class Step:
    name: str
    count: int
    percentage: float
    dropoff: float | None  # None for the first stage


def _percent(part: int, whole: int) -> float:
    return round(part / whole * 100, 1) if whole else 0.0


async def funnel(session: AsyncSession, workspace_id: str, period: Range) -> list[Step]:
    counts = (
        await session.execute(
            _SQL, {"ws": workspace_id, "since": period.since, "until": period.until}
        )
    ).one()
    steps = []
    for n, ((_, name), count) in enumerate(zip(STAGES, counts, strict=True)):
        previous = counts[n - 1] if n else None
        dropoff = None
        if previous is not None:
            dropoff = round((1 - count / previous) * 100, 1) if previous else 0.0
        steps.append(Step(name, count, _percent(count, counts[0]), dropoff))
    return steps


def overall_conversion(steps: list[Step]) -> float:
    return _percent(steps[-1].count, steps[0].count)
