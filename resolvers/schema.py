"""The one schema: every domain's Query and Mutation merged."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.tools import merge_types

from resolvers import characters, ingestion, platform_users
from resolvers.context import Info
from resolvers.node import Node, resolve_node


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by the id the APIs show for it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)


# One line per domain module; order decides the order of fields in schema.graphql.
QUERIES: tuple[type, ...] = (
    NodeQuery,
    platform_users.Query,
    characters.Query,
)
MUTATIONS: tuple[type, ...] = (ingestion.Mutation,)

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    extensions=[
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxAliasesLimiter(max_alias_count=30),
    ],
)
