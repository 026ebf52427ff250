"""Live fan-out: subscribers of the same (document, variables, workspace, scopes) share one
execution, and each event is encoded once for all of them.

Without it every subscriber runs its own Strawberry stream and serialises every event
itself (10,000 watchers of one feed: 10,000 executions and encodings of the same payload).
Here a group runs one stream; each result becomes one JSON payload, and each member gets
`{"id":<its id>,"type":"next","payload":<the shared bytes>}` through its own bounded queue,
so one slow member is dropped (4008) without holding the others up.

Only live streams join a group: a document asking to replay (`after:`) starts at a moment
of its own and runs alone, as does anything that fails before streaming (it answers with
the executor's errors on the ordinary path).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLError,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    specified_rules,
    validate,
)
from starlette.websockets import WebSocketDisconnect
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from resolvers.document_cache import DOCUMENTS
from subscriptions.hub import GOING_AWAY_CODE, SLOW_CONSUMER_CODE

# Root subscription fields whose events depend only on the workspace, scopes and arguments.
LIVE_FIELDS = frozenset(
    {"events", "agentUpdates", "postStatus", "campaignUpdates", "notifications"}
)
log = logging.getLogger(__name__)
_END = ""
FALLBACK = "fallback"  # the stream failed before streaming: run the ordinary path


@dataclass(eq=False)
class Member:
    id: str
    queue: asyncio.Queue[str]
    closed_with: tuple[int, str] | None = None

    @property
    def quoted_id(self) -> str:
        return orjson.dumps(self.id).decode()

    async def messages(self) -> AsyncIterator[str]:
        """Encoded `next` messages until the group ends; FALLBACK if it never streamed."""
        while True:
            message = await self.queue.get()
            if message is _END:
                return
            yield message
            if message is FALLBACK:
                return


@dataclass(eq=False)
class Group:
    key: tuple[Any, ...]
    members: set[Member] = field(default_factory=set)
    task: asyncio.Task[None] | None = None
    encoded: int = 0  # payloads encoded (one per event, whatever the number of members)


class _GroupSocket:
    """The group's `info.context.request`: the app, and `close` closing every member (the
    hub drops the group's subscriber with a close code, e.g. 1001 on shutdown)."""

    def __init__(self, group: Group, fanout: FanOut, first: Any) -> None:
        self.group, self.fanout = group, fanout
        # the first member's connection: the app, and the scope extensions read
        # (persisted_documents.TrustedDocumentsOnly)
        self.app, self.scope = first.app, first.scope

    async def close(self, code: int = 1000, reason: str = "") -> None:
        for member in list(self.group.members):
            self.fanout.end(member, (code, reason))


class FanOut:
    def __init__(self, queue_size: int = 256) -> None:
        self.queue_size = queue_size
        self.groups: dict[tuple[Any, ...], Group] = {}

    def key_for(self, schema: Any, query: str, operation_name: str | None, variables: Any,
                principal: Any) -> tuple[Any, ...] | None:  # fmt: skip
        """The group key, or None when this operation must run alone."""
        try:
            document = DOCUMENTS.document(query, None)
        except GraphQLError:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ]
        if len(chosen) != 1 or chosen[0].operation is not OperationType.SUBSCRIPTION:
            return None
        roots = chosen[0].selection_set.selections
        if len(roots) != 1 or not isinstance(roots[0], FieldNode):
            return None
        root = roots[0]
        if root.name.value not in LIVE_FIELDS or _asks_replay(root.arguments, variables):
            return None
        if not _valid(schema, query, document) or not _allowed(schema, root, principal):
            return None  # the ordinary path answers with the executor's errors
        try:
            frozen_variables = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        return (id(schema), query, operation_name, frozen_variables, principal.workspace_id,
                principal.scopes)  # fmt: skip

    def join(self, key: tuple[Any, ...], member_id: str, start: Any) -> Member:
        """Add a member to the key's group, starting the group with `start(group)` (a
        coroutine running its one stream) when it is the first."""
        member = Member(member_id, asyncio.Queue(maxsize=self.queue_size))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key)
            group.task = asyncio.create_task(start(group))
            group.task.add_done_callback(_log_failure)
        group.members.add(member)
        return member

    def leave(self, key: tuple[Any, ...], member: Member) -> None:
        group = self.groups.get(key)
        if group is None:
            return
        group.members.discard(member)
        if not group.members:
            del self.groups[key]
            if group.task is not None:
                group.task.cancel()

    def publish(self, group: Group, payload: str) -> None:
        group.encoded += 1
        for member in list(group.members):
            message = f'{{"id":{member.quoted_id},"type":"next","payload":{payload}}}'
            try:
                member.queue.put_nowait(message)
            except asyncio.QueueFull:
                self.end(member, (SLOW_CONSUMER_CODE, "subscriber too slow"))

    def end(self, member: Member, closed_with: tuple[int, str] | None = None) -> None:
        """No more messages for `member` (closing its connection if `closed_with`)."""
        member.closed_with = member.closed_with or closed_with
        while not member.queue.empty():
            member.queue.get_nowait()
        member.queue.put_nowait(_END)

    async def run_group(self, group: Group, schema: Any, query: str, operation_name: str | None,
                        variables: Any, context: Any) -> None:  # fmt: skip
        """The group's one stream: each result encoded once, then every member ends."""
        shared = replace(context, request=_GroupSocket(group, self, context.request))
        failed = False
        try:
            stream = await schema.stream(
                query, variable_values=variables, context_value=shared,
                operation_name=operation_name,
            )  # fmt: skip
            async with contextlib.aclosing(stream):
                async for result in stream:
                    # refused before streaming: each member runs alone, so that the
                    # protocol's own handler answers the refusal (an `error` message)
                    if not isinstance(result, ExecutionResult) or isinstance(
                        result, PreExecutionError
                    ):
                        failed = True
                        self.groups.pop(group.key, None)
                        for member in list(group.members):
                            member.queue.put_nowait(FALLBACK)
                        return
                    self.publish(group, encode_payload(result))
        finally:
            if not failed:
                for member in list(group.members):
                    self.end(member)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a subscription group failed", exc_info=task.exception())


def encode_payload(result: ExecutionResult) -> str:
    """What Strawberry's graphql-transport-ws `next` carries, as JSON bytes."""
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    return orjson.dumps(payload).decode()


def _valid(schema: Any, query: str, document: Any) -> bool:
    from resolvers.schema import LIMIT_RULES

    rules = (*specified_rules, *LIMIT_RULES)
    errors = DOCUMENTS.cached_errors(query, rules)
    if errors is None:
        errors = validate(schema._schema, document, rules)
        DOCUMENTS.remember_errors(query, rules, errors)
    return not errors


def _allowed(schema: Any, root: FieldNode, principal: Any) -> bool:
    definition = schema._schema.subscription_type.fields[root.name.value]
    field = definition.extensions["strawberry-definition"]
    scopes = {e.scope for e in field.extensions if hasattr(e, "scope")}
    return scopes <= principal.scopes


def _asks_replay(arguments: tuple[ArgumentNode, ...] | None, variables: Any) -> bool:
    """An `after:` that is not null (literally, or by its variable) replays from a moment."""
    for argument in arguments or ():
        if argument.name.value != "after":
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            return (variables or {}).get(value.name.value) is not None
        return not isinstance(value, NullValueNode)
    return False


__all__ = ["FALLBACK", "GOING_AWAY_CODE", "FanOut", "FanOutTransportWSHandler", "encode_payload"]


class FanOutTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws with live subscriptions grouped (everything else unchanged)."""

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        context = self.context
        state = context.request.app.state
        fanout: FanOut | None = getattr(state, "fanout", None)
        if fanout is None:
            fanout = state.fanout = FanOut(state.settings.subscriber_queue_size)
        key = fanout.key_for(
            self.schema, operation.query, operation.operation_name, operation.variables,
            context.principal,
        )  # fmt: skip
        if key is None:
            await super().run_operation(operation)
            return

        def start(group: Group) -> Any:
            query, name, variables = operation.query, operation.operation_name, operation.variables
            return fanout.run_group(group, self.schema, query, name, variables, context)

        member = fanout.join(key, operation.id, start)
        try:
            async for message in member.messages():
                if message is FALLBACK:
                    fanout.leave(key, member)
                    await super().run_operation(operation)
                    return
                await self.websocket.ws.send_text(message)  # type: ignore[attr-defined]
            if member.closed_with is not None:
                await self.websocket.close(*member.closed_with)
                return
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except WebSocketDisconnect:
            return
        finally:
            fanout.leave(key, member)
