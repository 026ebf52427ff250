"""Permissions: small classes that read only `info.context.principal`."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission


class HasScope(BasePermission):
    """`@strawberry.field(permission_classes=[HasScope.of("read:revenue")])`"""

    scope = ""
    error_extensions = {"code": "FORBIDDEN"}

    @property
    def message(self) -> str:  # type: ignore[override]
        return f"This needs the '{self.scope}' scope"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return info.context.principal.can(self.scope)

    @classmethod
    def of(cls, scope: str) -> type[HasScope]:
        return type(f"HasScope_{scope.replace(':', '_')}", (cls,), {"scope": scope})
