"""Set-based foreign-key checks: taken only when they cover every key, never looser."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from gateway.ingestion import registry
from gateway.ingestion.fk_checks import _covered
from tests.utils.builders import user


def test_every_platform_type_checks_all_its_keys_set_based():
    for name in registry.data_type_names():
        spec = registry.get(name)
        if spec is not None and spec.domain == "platform":
            assert _covered(spec), name


async def test_unknown_workspace_still_fails_on_its_foreign_key(upload):
    with pytest.raises(IntegrityError):
        await upload("users", [user(1)], workspace_id="ws_nowhere")
