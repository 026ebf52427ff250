"""The one schema: every domain's Query and Mutation merged."""

from __future__ import annotations

import importlib

import strawberry
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.tools import merge_types

from resolvers.context import Info
from resolvers.node import Node, resolve_node


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by the id the APIs show for it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)


# One entry per domain module of resolvers/; each may define `Query` and/or `Mutation`.
# The order here is the order of fields in schema.graphql.
DOMAINS = (
    "platform_users",
    "characters",
    "engagement",
    "revenue",
    "ads",
    "coaching",
    "organic",
    "social",
    "ingestion",
    "live",
)
_modules = [importlib.import_module(f"resolvers.{name}") for name in DOMAINS]
QUERIES: tuple[type, ...] = (NodeQuery, *(m.Query for m in _modules if hasattr(m, "Query")))
MUTATIONS: tuple[type, ...] = tuple(m.Mutation for m in _modules if hasattr(m, "Mutation"))
SUBSCRIPTIONS: tuple[type, ...] = tuple(
    m.Subscription for m in _modules if hasattr(m, "Subscription")
)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)
Subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    extensions=[
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxAliasesLimiter(max_alias_count=30),
    ],
)
