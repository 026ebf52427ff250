"""Spec 004's social account writes: connect through the platform's OAuth adapter (sandbox
by default, gateway/adapters/social_accounts.py) and disconnect."""

from __future__ import annotations

import strawberry

from gateway.adapters import social_accounts as adapters
from gateway.secrets import SecretBox
from gateway.social import accounts as service
from resolvers.context import Info
from resolvers.errors import GatewayError
from resolvers.node import from_row
from resolvers.social import SocialAccount, SocialPlatform


class PlatformRefused(GatewayError):
    code = "BAD_USER_INPUT"


class PlatformUnavailable(GatewayError):
    code = "SERVICE_UNAVAILABLE"


@strawberry.type
class DisconnectedSocialAccount:
    id: strawberry.ID


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Exchange an OAuth code for the platform's tokens (sealed, never "
        "returned) and connect the account it belongs to."
    )
    async def connect_social_account(
        self, info: Info, platform: SocialPlatform, auth_code: str, redirect_uri: str
    ) -> SocialAccount:
        ctx = info.context
        adapter = adapters.from_settings(ctx.settings, ctx.sessions, ctx.workspace_id)
        try:  # outside the transaction: the platform may be slow
            grant = await adapter.connect(platform.value, code=auth_code, redirect_uri=redirect_uri)
        except adapters.ConnectError as exc:
            error = PlatformUnavailable if exc.temporary else PlatformRefused
            raise error(str(exc), legacyCode="EXTERNAL_API_ERROR") from None
        async with ctx.sessions.begin() as session:
            account = await service.connect(
                session,
                workspace_id=ctx.workspace_id,
                platform=platform.value,
                grant=grant,
                box=SecretBox.from_settings(ctx.settings),
            )
        return from_row(SocialAccount, account)

    @strawberry.mutation(description="Disconnect an account and forget its tokens.")
    async def disconnect_social_account(
        self, info: Info, id: strawberry.ID
    ) -> DisconnectedSocialAccount:
        async with info.context.sessions.begin() as session:
            await service.disconnect(session, workspace_id=info.context.workspace_id, account_id=id)
        return DisconnectedSocialAccount(id=id)
