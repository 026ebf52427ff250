"""Spec 004 AI agents: each agent's current state and its recent status reports."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

import strawberry
from sqlalchemy import func

from models import social as m
from resolvers.context import Info
from resolvers.node import from_row


@strawberry.enum
class AgentStatus(Enum):
    ACTIVE = "active"
    IDLE = "idle"
    PAUSED = "paused"
    ERROR = "error"


@strawberry.type(description="One status update as the agent sent it; null = not reported.")
class AgentStatusReport:
    reported_at: datetime
    status: str | None
    efficiency: float | None
    current_task: str | None
    tasks_completed: int | None
    tasks_in_progress: int | None
    average_time: int | None
    success_rate: float | None
    next_action: str | None
    priority: str | None
    progress: int | None
    estimated_completion: datetime | None


@strawberry.type(description="An AI agent's latest state; its id is its slug (`content`).")
class AiAgent:
    id: strawberry.ID
    name: str
    status: str
    efficiency: float | None
    current_task: str | None
    tasks_completed: int
    tasks_in_progress: int
    average_time: int | None = strawberry.field(description="Seconds per task.")
    success_rate: float | None
    next_action: str | None
    priority: str | None
    progress: int | None
    estimated_completion: datetime | None
    last_update: datetime

    @strawberry.field(description="The agent's latest status reports, newest first.")
    async def history(self, info: Info, limit: int = 10) -> list[AgentStatusReport]:
        limit = max(0, min(limit, 100))
        loader = info.context.loaders.children(
            m.AgentStatusReport,
            "agent_id",
            order_by=m.AgentStatusReport.reported_at.desc(),
            limit=limit,
        )
        return [from_row(AgentStatusReport, row) for row in await loader.load(self.id)]


@strawberry.type(description="The agents taken together (docs/metrics.md).")
class AiAgentSummary:
    overall_efficiency: int | None = strawberry.field(
        description="Mean efficiency of the agents reporting one, rounded to a whole number."
    )
    total_tasks_completed: int
    total_tasks_in_progress: int
    system_status: str = strawberry.field(
        description="`offline` with no agents; `degraded` when an agent is in error or the "
        "overall efficiency is under 75; `optimal` at 90 or more; `normal` otherwise."
    )
    last_update: datetime | None


def system_status(overall: float | None, errors: int, agents: int) -> str:
    if agents == 0:
        return "offline"
    if errors or (overall is not None and overall < 75):
        return "degraded"
    return "optimal" if overall is not None and overall >= 90 else "normal"


@strawberry.type
class Query:
    @strawberry.field
    async def ai_agent_summary(self, info: Info) -> AiAgentSummary:
        a = m.AiAgent
        statement = info.context.scope.select(
            a,
            func.count(),
            func.avg(a.efficiency),
            func.coalesce(func.sum(a.tasks_completed), 0),
            func.coalesce(func.sum(a.tasks_in_progress), 0),
            func.count().filter(a.status == "error"),
            func.max(a.last_update),
        )
        async with info.context.sessions() as session:
            agents, mean, done, doing, errors, last = (await session.execute(statement)).one()
        overall = (
            int(Decimal(mean).quantize(Decimal(1), ROUND_HALF_UP)) if mean is not None else None
        )
        return AiAgentSummary(
            overall_efficiency=overall,
            total_tasks_completed=int(done),
            total_tasks_in_progress=int(doing),
            system_status=system_status(float(mean) if mean is not None else None, errors, agents),
            last_update=last,
        )

    @strawberry.field
    async def ai_agent(self, info: Info, id: strawberry.ID) -> AiAgent | None:
        row = await info.context.loaders.by_id(m.AiAgent).load(id)
        return from_row(AiAgent, row) if row else None

    @strawberry.field(description="The workspace's AI agents, by name.")
    async def ai_agents(self, info: Info, status: AgentStatus | None = None) -> list[AiAgent]:
        a = m.AiAgent
        statement = info.context.scope.select(a).order_by(a.name, a.id)
        if status is not None:
            statement = statement.where(a.status == status.value)
        async with info.context.sessions() as session:
            rows = (await session.scalars(statement)).all()
        return [from_row(AiAgent, row) for row in rows]
