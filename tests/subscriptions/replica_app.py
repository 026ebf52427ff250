"""The app as a test replica runs it: settings from the environment, `?as=` principals."""

from __future__ import annotations

from typing import Any

from gateway.app import create_app
from tests.subscriptions.conftest import with_test_principal


def create() -> Any:
    return with_test_principal(create_app())
