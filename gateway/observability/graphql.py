"""A schema extension that tells the request metrics which GraphQL operation ran: the
name the client sent, else the name of the document's only operation."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension


class OperationName(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        request = getattr(context.context, "request", None)
        if request is None or request.scope.get("type") != "http":
            return
        with contextlib.suppress(Exception):  # an unparsable document has no name
            request.scope["graphql_operation"] = context.operation_name
