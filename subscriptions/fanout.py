"""Live fan-out: subscribers of the same (document, variables, workspace, scopes) share one
execution, and each event is encoded once for all of them.

Without it every subscriber runs its own Strawberry stream and serialises every event
itself (10,000 watchers of one feed: 10,000 executions and encodings of the same payload).
Here a group runs one stream; each result becomes one JSON payload, and one pass over the
members writes each `{"id":<its id>,"type":"next","payload":<the shared bytes>}`, framed
once per distinct id, straight to its socket (subscriptions/transport_send.py). A member
is a few fields, not a task: a write that cannot finish at once (a client not reading)
continues in a task while later messages wait in that member's bounded backlog, and a
member too far behind is dropped (4008) without holding the others.

Only live streams join a group: a document asking to replay (`after:`) starts at a moment
of its own and runs alone, as does anything that fails before streaming (it answers with
the executor's errors on the ordinary path).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

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
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from resolvers.document_cache import DOCUMENTS
from subscriptions.eager import start_now
from subscriptions.hub import GOING_AWAY_CODE, SLOW_CONSUMER_CODE
from subscriptions.transport_send import text_frame

# Root subscription fields whose events depend only on the workspace, scopes and arguments.
LIVE_FIELDS = frozenset(
    {"events", "agentUpdates", "postStatus", "campaignUpdates", "notifications"}
)
log = logging.getLogger(__name__)


class MemberSocket(Protocol):
    """What a member writes through: its connection (fanout_ws.FanOutTransportWSHandler)."""

    def send_text(self, text: str) -> Coroutine[Any, Any, None]: ...
    def write_frame(self, frame: bytes) -> bool: ...
    def close(self, code: int, reason: str) -> Coroutine[Any, Any, None]: ...
    def forget(self, member: Member) -> None: ...
    def run_alone(self, member: Member) -> None: ...


class Backlog:
    """A member's messages waiting behind a write that could not finish at once (its client
    is not reading), bounded like the hub's queues. Empty members hold none (memory)."""

    __slots__ = ("items", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.items: deque[str] = deque()
        self.maxsize = maxsize

    def __len__(self) -> int:
        return len(self.items)

    def full(self) -> bool:
        return len(self.items) >= self.maxsize

    def empty(self) -> bool:
        return not self.items

    def put_nowait(self, message: str) -> None:
        if self.full():
            raise asyncio.QueueFull
        self.items.append(message)

    def get_nowait(self) -> str:
        return self.items.popleft()


_LIVE, _FINISHING, _DONE = 0, 1, 2


class Member:
    """One subscription of a group: where its messages go, with no task of its own. A
    message is written at once (subscriptions/eager.py); only a write that has to wait gets
    a task, and what comes meanwhile waits in the member's backlog."""

    __slots__ = ("_backlog", "closed_with", "group", "id", "prefix", "queue_size", "socket",
                 "state", "writing")  # fmt: skip

    def __init__(self, member_id: str, socket: MemberSocket, group: Group, queue_size: int):
        self.id, self.socket, self.group, self.queue_size = member_id, socket, group, queue_size
        self.prefix = f'{{"id":{orjson.dumps(member_id).decode()},"type":"next","payload":'
        self._backlog: Backlog | None = None
        self.writing: asyncio.Task[Any] | None = None
        self.closed_with: tuple[int, str] | None = None
        self.state = _LIVE

    @property
    def queue(self) -> Backlog:
        if self._backlog is None:
            self._backlog = Backlog(self.queue_size)
        return self._backlog

    def offer(self, message: str, frame: bytes) -> bool:
        """Write or queue `message` (`frame`: the same, framed); False when the member is
        too far behind."""
        if self.state != _LIVE:
            return True
        if self.writing is None and not self._backlog:
            if not self.socket.write_frame(frame):
                self._start(self.socket.send_text(message))
            return True
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        self._pump()
        return True

    def finish(self, closed_with: tuple[int, str] | None = None) -> None:
        """No more messages: `complete` after those waiting, or the connection closed with
        `closed_with` (what waits is dropped)."""
        if self.state != _LIVE:
            return
        self.state, self.closed_with = _FINISHING, closed_with
        if closed_with is not None and self._backlog:
            self._backlog.items.clear()
        self.socket.forget(self)
        self._pump()

    def stop(self) -> None:
        """Silently: the client completed it, or its connection is gone."""
        self.state = _DONE
        if self._backlog:
            self._backlog.items.clear()

    def _pump(self) -> None:
        while self.writing is None:
            if self._backlog:
                self._start(self.socket.send_text(self._backlog.get_nowait()))
            elif self.state == _FINISHING:
                self.state = _DONE
                if self.closed_with is not None:
                    self._start(self.socket.close(*self.closed_with))
                else:
                    complete = {"id": self.id, "type": "complete"}
                    self._start(self.socket.send_text(orjson.dumps(complete).decode()))
            else:
                return

    def _start(self, write: Coroutine[Any, Any, None]) -> None:
        try:
            self.writing = start_now(write)
        except Exception:  # its connection is gone: this member ends, the group goes on
            self._gone()
            return
        if self.writing is not None:
            self.writing.add_done_callback(self._written)

    def _written(self, task: asyncio.Task[Any]) -> None:
        self.writing = None
        if task.cancelled() or task.exception() is not None:
            self._gone()
            return
        self._pump()

    def _gone(self) -> None:
        self.writing = None
        self.stop()
        self.socket.forget(self)


@dataclass(eq=False)
class Group:
    key: tuple[Any, ...]
    operation: tuple[str, str | None, Any]  # query, operation name, variables (for run_alone)
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

    def join(self, key: tuple[Any, ...], member_id: str, socket: MemberSocket,
             operation: tuple[str, str | None, Any], start: Any) -> Member:  # fmt: skip
        """Add a member to the key's group, starting the group with `start(group)` (a
        coroutine running its one stream) when it is the first. Members hold the group's
        key, not their own copy (memory)."""
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(key, operation)
            group.task = asyncio.create_task(start(group))
            group.task.add_done_callback(_log_failure)
        member = Member(member_id, socket, group, self.queue_size)
        group.members.add(member)
        return member

    def leave(self, member: Member) -> None:
        group = member.group
        group.members.discard(member)
        if not group.members and self.groups.get(group.key) is group:
            del self.groups[group.key]
            if group.task is not None:
                group.task.cancel()

    def publish(self, group: Group, payload: str) -> None:
        """One pass over the members, writing each its `next` (the same bytes but its id)."""
        group.encoded += 1
        # by id prefix: most clients number their first subscription "1"
        messages: dict[str, tuple[str, bytes]] = {}
        for member in list(group.members):
            prepared = messages.get(member.prefix)
            if prepared is None:
                message = f"{member.prefix}{payload}}}"
                prepared = messages[member.prefix] = (message, text_frame(message))
            if not member.offer(*prepared):
                self.end(member, (SLOW_CONSUMER_CODE, "subscriber too slow"))

    def end(self, member: Member, closed_with: tuple[int, str] | None = None) -> None:
        """No more messages for `member` (closing its connection if `closed_with`)."""
        member.finish(closed_with)

    async def run_group(self, group: Group, schema: Any, context: Any) -> None:
        """The group's one stream: each result encoded once, then every member ends."""
        query, operation_name, variables = group.operation
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
                            group.members.discard(member)
                            member.socket.run_alone(member)
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


__all__ = ["GOING_AWAY_CODE", "Backlog", "FanOut", "Group", "Member", "encode_payload"]
