"""Parse and validate each distinct query text once per process.

Strawberry's ParserCache and ValidationCache key their LRU caches on the parsed document,
whose dataclass hash walks the whole tree on every lookup, and on the validation rules,
which per-request limiter extensions rebuild as new classes (so the key never repeated).
Here the key is the query text itself, the parse options and the rule classes, all built
once; the cached document object is shared, so the compiled read path (resolvers/compiled)
can key its plans on the same text.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as alias_rule


class _Bounded(OrderedDict[Any, Any]):
    """A least-recently-used map of at most `maxsize` entries (a public endpoint must not
    grow memory with every unique query text)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def get_fresh(self, key: Any) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.maxsize:
            self.popitem(last=False)


class DocumentCache:
    """Documents by (text, max tokens) and their validation errors by (text, rules)."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.documents = _Bounded(maxsize)
        self.errors = _Bounded(maxsize)

    def document(self, query: str, max_tokens: int | None) -> DocumentNode:
        """The parsed document (raises GraphQLError on a syntax error; not cached)."""
        key = (query, max_tokens)
        document = self.documents.get_fresh(key)
        if document is None:
            options = {"max_tokens": max_tokens} if max_tokens is not None else {}
            document = parse(query, **options)
            self.documents.put(key, document)
        return document

    def cached_errors(self, query: str, rules: tuple[type, ...]) -> list[GraphQLError] | None:
        return self.errors.get_fresh((query, rules))

    def remember_errors(
        self, query: str, rules: tuple[type, ...], errors: list[GraphQLError]
    ) -> None:
        self.errors.put((query, rules), list(errors))


DOCUMENTS = DocumentCache()


def alias_limit(max_aliases: int) -> type:
    """The alias limit as a validation rule, built once (so validation caches)."""
    return alias_rule(max_aliases)


class CachedDocuments(SchemaExtension):
    """Adds `rules` to validation, and serves parse and validation from DOCUMENTS."""

    def __init__(self, *, rules: tuple[type, ...], max_tokens: int) -> None:
        self.rules = rules
        self.max_tokens = max_tokens

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = (*context.validation_rules, *self.rules)
        context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            key = (context.query, self.max_tokens)
            context.graphql_document = DOCUMENTS.documents.get_fresh(key)
            yield
            if context.graphql_document is not None:
                DOCUMENTS.documents.put(key, context.graphql_document)
        else:
            yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query, rules = context.query, context.validation_rules
        if not query or context.pre_execution_errors is not None:
            yield
            return
        known = DOCUMENTS.cached_errors(query, rules)
        if known is not None:
            context.pre_execution_errors = list(known)
        yield
        if known is None and context.pre_execution_errors is not None:
            DOCUMENTS.remember_errors(query, rules, context.pre_execution_errors)
