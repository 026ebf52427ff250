"""The one schema: every domain's Query and Mutation merged."""

from __future__ import annotations

import importlib
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaskErrors
from strawberry.tools import merge_types

from gateway.observability.graphql import OperationName
from gateway.outage import database_unavailable
from gateway.persisted_documents import TrustedDocumentsOnly
from resolvers.context import Info
from resolvers.document_cache import CachedDocuments, alias_limit
from resolvers.encoded_json import SCALAR_OVERRIDES
from resolvers.node import Node, resolve_node
from resolvers.permissions import require_scope
from resolvers.protection import (
    DepthLimit,
    QueryCostLimiter,
    StorableText,
    StorableVariables,
)


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by the id the APIs show for it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)


# Every domain module of resolvers/ with the scope its root fields need; each module may
# define `Query`, `Mutation` and `Subscription`. Order here is the order in schema.graphql.
DOMAINS: dict[str, str] = {
    "platform_users": "read:users",
    "characters": "read:characters",
    "engagement": "read:analytics",
    "engagement_activity": "read:analytics",
    "revenue": "read:revenue",
    "ads": "read:analytics",
    "ads_metrics": "read:analytics",
    "ads_engine": "read:analytics",
    "coaching": "read:content",
    "coaching_people": "read:content",
    "coaching_channels": "read:content",
    "coaching_pages": "read:content",
    "coaching_analytics": "read:analytics",
    "coaching_writes": "write:content",
    "organic": "read:content",
    "organic_email": "read:content",
    "organic_leads": "read:users",
    "organic_dashboard": "read:content",
    "organic_lists": "read:content",
    "organic_analytics": "read:analytics",
    "organic_writes": "write:content",
    "organic_email_writes": "write:campaigns",
    "organic_integrations": "read:content",
    "social": "read:content",
    "social_posts": "read:content",
    "social_campaigns": "read:campaigns",
    "social_agents": "read:content",
    "social_analytics": "read:analytics",
    "social_writes": "write:content",
    "social_campaign_writes": "write:campaigns",
    "social_account_writes": "manage:integrations",
    "ingestion": "write:data",
    # spec 000 analytics: fields needing more (revenue, users) also declare it themselves
    "analytics_overview": "read:analytics",
    "analytics_users": "read:analytics",
    "analytics_characters": "read:analytics",
    "analytics_engagement": "read:analytics",
    "analytics_revenue": "read:analytics",
    "analytics_platform": "read:analytics",
    "dashboard": "read:analytics",
    "webhooks": "write:webhooks",
    # live updates and the outbox; each event is filtered by workspace and scope itself
    "live": "read:analytics",
    "audit": "read:audit",
    # sign-in and keys: each field checks what it needs (anonymous sign-in included)
    "identity": "",
}
_modules = {name: importlib.import_module(f"resolvers.{name}") for name in DOMAINS}


def _roots(kind: str) -> tuple[type, ...]:
    """Each module's root type of `kind`, every field guarded by the module's scope."""
    roots = []
    for name, module in _modules.items():
        root = getattr(module, kind, None)
        if root is not None:
            if DOMAINS[name]:
                require_scope(root, DOMAINS[name])
            roots.append(root)
    return tuple(roots)


QUERIES: tuple[type, ...] = (NodeQuery, *_roots("Query"))
MUTATIONS: tuple[type, ...] = _roots("Mutation")
SUBSCRIPTIONS: tuple[type, ...] = _roots("Subscription")

Query = merge_types("Query", QUERIES)
Mutation = merge_types("Mutation", MUTATIONS)
Subscription = merge_types("Subscription", SUBSCRIPTIONS) if SUBSCRIPTIONS else None

# Query protection, in the order it bites: size (tokens), shape (depth, aliases), then
# cost (per query, and per principal per minute).
MAX_TOKENS = 5_000
MAX_ALIASES = 30
MAX_QUERY_COST = 50_000
COST_BUDGET_PER_MINUTE = 500_000
# Built once: a rule class made per request would never hit the validation cache.
# DepthLimit counts introspection too (Strawberry's own limiter skips it); StorableText
# refuses literals PostgreSQL cannot store.
LIMIT_RULES = (DepthLimit, StorableText, alias_limit(MAX_ALIASES))


def _extensions(*, production: bool) -> list[Any]:
    extensions: list[Any] = [
        OperationName,
        # refuses untrusted documents before validation (whose cache then keeps away)
        TrustedDocumentsOnly,
        # parse (with the token limit) and validate (with the depth and alias limits) once
        # per distinct query text
        lambda: CachedDocuments(rules=LIMIT_RULES, max_tokens=MAX_TOKENS),
        StorableVariables,
        lambda: QueryCostLimiter(max_cost=MAX_QUERY_COST, budget_per_minute=COST_BUDGET_PER_MINUTE),
    ]
    if production:
        extensions += [DisableIntrospection, lambda: MaskErrors(should_mask_error=is_unexpected)]
    return extensions


def _schema(*, production: bool) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=_extensions(production=production),
        scalar_overrides=SCALAR_OVERRIDES,  # EncodedJSON values (resolvers/encoded_json.py)
    )


def is_unexpected(error: GraphQLError) -> bool:
    """Mask (in production) every error that is not one we raised on purpose."""
    original = error.original_error
    if database_unavailable(original):
        return False  # gateway/graphql_view.py answers it 503, with a message of its own
    return original is not None and not isinstance(original, GraphQLError)


# Development: introspection, GraphiQL, full error messages. Production: none of those.
schema = _schema(production=False)
production_schema = _schema(production=True)


def schema_for(settings: Any) -> strawberry.Schema:
    return schema if settings.is_development else production_schema
