"""Who is calling, and in which workspace.

Until authentication is configured every local caller acts in the default workspace; the
identity layer replaces `workspace_for` with a principal read from a token or API key.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection


def workspace_for(connection: HTTPConnection) -> str:
    return connection.app.state.settings.default_workspace_id
