"""graphql-transport-ws with live subscriptions grouped (subscriptions/fanout.py).

A subscription that can share its group joins it as a slim member: no Strawberry
operation, no task, no queue of its own; the group writes to its socket. Everything else
(queries, replays, refusals, and a group's stream that fails before streaming) runs as
Strawberry's own handler runs it, so the protocol's answers stay its answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
    SubscribeMessage,
)

from subscriptions.fanout import FanOut, Group, Member


class FanOutTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.members: dict[str, Member] = {}  # grouped subscriptions by id

    def _fanout(self) -> FanOut:
        state = self.context.request.app.state
        fanout: FanOut | None = getattr(state, "fanout", None)
        if fanout is None:
            fanout = state.fanout = FanOut(state.settings.subscriber_queue_size)
        return fanout

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # cancelled by now: a connection need not keep its finished timer task
        if self.connection_init_received:
            self.connection_init_timeout_task = None

    async def handle_message(self, message: Any) -> None:
        try:
            await super().handle_message(message)
        finally:
            # Strawberry's read loop keeps the last message bound while it waits for the
            # next, for as long as the connection is idle: emptied once handled (what the
            # handling keeps, it has taken out by now)
            if isinstance(message, dict):
                message.clear()

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        operation_id = message["id"]
        if not self.connection_acknowledged or operation_id in self.operations:
            await super().handle_subscribe(message)  # its refusals (4401, 4409)
            return
        if operation_id in self.members:
            reason = f"Subscriber for {operation_id} already exists"
            await self.websocket.close(code=4409, reason=reason)
            return
        limit = self.max_subscriptions_per_connection
        if limit is not None and len(self.operations) + len(self.members) >= limit:
            error = GraphQLError("Subscription limit reached")
            await self.send_message(
                {"id": operation_id, "type": "error", "payload": [error.formatted]}
            )
            return
        payload = message["payload"]
        query, variables = payload["query"], payload.get("variables")
        name = payload.get("operationName")
        fanout = self._fanout()
        key = fanout.key_for(self.schema, query, name, variables, self.context.principal)
        if key is None:
            await super().handle_subscribe(message)
            return
        context = self.context

        def start(group: Group) -> Coroutine[Any, Any, None]:
            return fanout.run_group(group, self.schema, context)

        self.members[operation_id] = fanout.join(
            key, operation_id, self, (query, name, variables), start
        )

    async def handle_complete(self, message: CompleteMessage) -> None:
        member = self.members.get(message["id"])
        if member is None:
            await super().handle_complete(message)
            return
        member.stop()  # the client ended it: nothing more to send, the group goes on
        self.forget(member)

    async def shutdown(self) -> None:
        for member in list(self.members.values()):
            member.stop()
            self.forget(member)
        await super().shutdown()

    # what a member writes through (fanout.MemberSocket), the connection's
    # subscriptions.transport_ws.ASGISocket

    def write_frame(self, frame: bytes) -> bool:
        return self.websocket.write_frame(frame)  # type: ignore[attr-defined,no-any-return]

    def send_text(self, text: str) -> Coroutine[Any, Any, None]:
        # a closed or gone connection raises: the member ends
        return self.websocket.send_text(text)  # type: ignore[attr-defined,no-any-return]

    def close(self, code: int, reason: str) -> Coroutine[Any, Any, None]:
        return self.websocket.close(code, reason)

    def forget(self, member: Member) -> None:
        if self.members.get(member.id) is member:
            del self.members[member.id]
        self._fanout().leave(member)

    def run_alone(self, member: Member) -> None:
        """The group failed before streaming: this subscription runs as Strawberry runs it,
        and its handler answers (an `error` message for a refused document)."""
        member.stop()
        self.forget(member)
        query, name, variables = member.group.operation
        operation = Operation(self, member.id, query, variables, name)
        operation.task = asyncio.create_task(self.run_operation(operation))
        operation.task.add_done_callback(self._task_done)
        self.operations[member.id] = operation
