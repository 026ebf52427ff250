"""Spec 004's social accounts: the connected ones, connect (an OAuth code exchanged by the
platform's adapter; the sandbox one unless INTEGRATION_ADAPTER=live) and disconnect. The
tokens stay sealed in the gateway: no route returns them."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gateway.rest.envelopes import Social
from gateway.rest.routing import RestError
from gateway.rest.social.params import Body, Platform, Url, declare, iso

READ, MANAGE = ("read:content",), ("manage:integrations",)
_ACCOUNT = (
    "id platform username displayName followers isConnected permissions lastSyncAt connectedAt"
)


def _account(row: dict[str, Any], *, last_sync: bool = True) -> dict[str, Any]:
    answer = {
        "id": row["id"],
        "platform": row["platform"],
        "username": row["username"],
        "displayName": row["displayName"],
        "followers": row["followers"],
        "isConnected": row["isConnected"],
        "permissions": row["permissions"],
        "lastSync": iso(row["lastSyncAt"]),
        "connectedAt": iso(row["connectedAt"]),
    }
    if not last_sync:
        del answer["lastSync"]  # the connect answer shows no lastSync
    return answer


class ConnectBody(Body):
    platform: Platform
    authCode: str = Field(min_length=1, max_length=4096)
    redirectUri: Url


def _not_found(exc: RestError) -> RestError:
    if exc.status == 404:
        return RestError(404, "RESOURCE_NOT_FOUND", "Social account not found")
    return exc


ROUTES = [
    declare(
        "GET",
        "/social/accounts",
        "Connected social accounts",
        "Social accounts",
        READ,
        f"query {{ socialAccounts(connected: true) {{ {_ACCOUNT} }} }}",
        lambda data, call: {"accounts": [_account(a) for a in data["socialAccounts"]]},
    ),
    declare(
        "POST",
        "/social/connect",
        "Connect a social account (sandbox adapter unless configured live)",
        "Social accounts",
        MANAGE,
        "mutation($platform: SocialPlatform!, $code: String!, $redirectUri: String!) { "
        "connectSocialAccount(platform: $platform, authCode: $code, redirectUri: $redirectUri)"
        f" {{ {_ACCOUNT} }} }}",
        lambda data, call: _account(data["connectSocialAccount"], last_sync=False),
        body=ConnectBody,
        variables=lambda call: {
            "platform": call.body.platform.upper(),
            "code": call.body.authCode,
            "redirectUri": call.body.redirectUri,
        },
    ),
    declare(
        "DELETE",
        "/social/accounts/{account_id}",
        "Disconnect a social account",
        "Social accounts",
        MANAGE,
        "mutation($id: ID!) { disconnectSocialAccount(id: $id) { id } }",
        lambda data, call: Social.message("Account disconnected successfully"),
        variables=lambda call: {"id": call.request.path_params["account_id"]},
        refine_error=_not_found,
    ),
]
