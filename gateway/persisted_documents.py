"""Persisted documents: Apollo's automatic persisted queries (APQ) and trusted documents.

A request may name its document by hash, `extensions.persistedQuery = {"version": 1,
"sha256Hash": "<hex sha256 of the text>"}`:
- the hash alone: the stored text runs; an unknown hash answers PERSISTED_QUERY_NOT_FOUND
  (an APQ client then sends the text with the hash);
- text and hash: the hash must be the text's sha256 (else PERSISTED_QUERY_HASH_MISMATCH);
  in `apq` mode the text is kept (Redis when REDIS_URL is set, shared by replicas) for
  APQ_TTL_SECONDS, so the next request may send the hash alone.

PERSISTED_QUERIES chooses the mode: `apq` (the default: any document, and APQ), `trusted`
(production: only documents an operator registered, `gateway trusted-documents add FILE`,
run, by hash or by their exact text; anything else answers PERSISTED_QUERY_NOT_TRUSTED,
before parsing), or `off` (the extension answers PERSISTED_QUERY_NOT_SUPPORTED).

Every document the gateway runs has its hash at `request.scope["graphql_document_hash"]`
(`Resolved.sha256`): layers that key work by document (caches of parsing, validation or
compiled plans) read it there rather than hashing the text again.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from gateway.cache import cache_for
from models.system import TrustedDocument

_APQ_PREFIX = "apq:"
DASHBOARD_DOCUMENTS = Path(__file__).parent / "static" / "dashboard" / "documents.json"


@functools.lru_cache(maxsize=2048)
def document_hash(document: str) -> str:
    """Kept per document text: clients send the same few documents again and again."""
    return hashlib.sha256(document.encode()).hexdigest()


class PersistedQueryError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Resolved:
    query: str
    sha256: str
    register: bool = False  # text sent with its hash in apq mode: keep it for next time


class PersistedDocuments:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        mode: str,
        redis_url: str | None,
        apq_ttl: int,
    ) -> None:
        self.sessions = sessions
        self.mode = mode
        self.apq_ttl = apq_ttl
        self._cache = cache_for(redis_url)
        # hash -> text (a hash names one text forever); the dashboard page's own documents
        # are trusted from the start: it is the gateway's first-party client.
        self._trusted: dict[str, str] = dict(_builtin_documents())

    async def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> Resolved:
        """The document to run for a request's `query` and `extensions`, or why not (a
        request with neither query nor hash is left to the view's own 400)."""
        wanted = _requested_hash(extensions)
        if wanted is not None and self.mode == "off":
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_SUPPORTED", "Persisted queries are not supported here"
            )
        if query is None:
            if wanted is None:
                raise PersistedQueryError("BAD_REQUEST", "No GraphQL query found in the request")
            stored = await self._stored(wanted)
            if stored is None:
                raise PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return Resolved(stored, wanted)
        actual = document_hash(query)
        if wanted is not None and wanted != actual:
            raise PersistedQueryError(
                "PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query"
            )
        if self.mode == "trusted":
            await self.require_trusted(actual)
        return Resolved(query, actual, register=wanted is not None and self.mode == "apq")

    async def remember(self, resolved: Resolved) -> None:
        """Keep an APQ document (called once the caller may run it at all)."""
        if resolved.register:
            await self._cache.set(
                _APQ_PREFIX + resolved.sha256, resolved.query.encode(), self.apq_ttl
            )

    async def require_trusted(self, sha256: str) -> None:
        if await self.trusted(sha256) is None:
            raise PersistedQueryError(
                "PERSISTED_QUERY_NOT_TRUSTED",
                "Only registered documents run here; send a trusted document's hash",
            )

    async def trusted(self, sha256: str) -> str | None:
        if sha256 in self._trusted:
            return self._trusted[sha256]
        async with self.sessions() as session:
            document = await session.scalar(
                select(TrustedDocument.document).where(TrustedDocument.sha256 == sha256)
            )
        if document is not None:
            self._trusted[sha256] = document
        return document

    async def _stored(self, sha256: str) -> str | None:
        if self.mode != "trusted":  # the APQ texts first: no database round trip
            found = await self._cache.get(_APQ_PREFIX + sha256)
            if found is not None:
                return found.decode()
        return await self.trusted(sha256)


# The view's entry points: one call before the caller's permission check, one after.


async def resolve_request(request: Any, request_data: Any) -> Resolved | None:
    """Puts the document to run into `request_data.query` and its hash into the scope."""
    store: PersistedDocuments = request.app.state.persisted_documents
    if request_data.query is None and _requested_hash(request_data.extensions) is None:
        return None  # no document at all: the view answers 400 itself
    resolved = await store.resolve(request_data.query, request_data.extensions)
    request_data.query = resolved.query
    request.scope["graphql_document_hash"] = resolved.sha256
    return resolved


async def remember(request: Any, resolved: Resolved | None) -> None:
    if resolved is not None:
        await request.app.state.persisted_documents.remember(resolved)


def refusal(error: PersistedQueryError) -> ExecutionResult:
    """A request error (nothing ran): no data, the code in extensions."""
    return ExecutionResult(
        data=None, errors=[GraphQLError(str(error), extensions={"code": error.code})]
    )


class TrustedDocumentsOnly(SchemaExtension):
    """PERSISTED_QUERIES=trusted for operations that do not come through the HTTP view
    (subscriptions over WebSocket): an untrusted document fails validation, so it never
    runs. Listed after ValidationCache, whose errors it replaces."""

    async def on_validate(self) -> AsyncIterator[None]:
        execution = self.execution_context
        request = getattr(execution.context, "request", None)
        state = getattr(getattr(request, "app", None), "state", None)
        store = getattr(state, "persisted_documents", None)
        if (
            store is not None
            and store.mode == "trusted"
            and "graphql_document_hash" not in request.scope  # the view checked it already
        ):
            try:
                await store.require_trusted(document_hash(execution.query or ""))
            except PersistedQueryError as refused:
                error = GraphQLError(str(refused), extensions={"code": refused.code})
                execution.pre_execution_errors = [error]
        yield


def _builtin_documents() -> list[tuple[str, str]]:
    manifest = json.loads(DASHBOARD_DOCUMENTS.read_text())
    return [(op["id"], op["body"]) for op in manifest["operations"]]


def _requested_hash(extensions: dict[str, Any] | None) -> str | None:
    persisted = (extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(
            "PERSISTED_QUERY_NOT_SUPPORTED", "persistedQuery: only version 1 is supported"
        )
    sha256 = persisted.get("sha256Hash")
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise PersistedQueryError("BAD_REQUEST", "persistedQuery.sha256Hash must be 64 hex digits")
    return sha256.lower()
