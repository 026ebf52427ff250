"""Settings refuse placeholder secrets outside development."""

import pytest
from pydantic import ValidationError

from gateway.settings import Settings


def test_development_accepts_the_default_secret():
    assert Settings(_env_file=None).is_development


@pytest.mark.parametrize(
    "secret", ["development-only-secret-change-me-before-production", "changeme", "short-but-real"]
)
def test_production_refuses_placeholder_or_short_secrets(secret):
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key=secret, _env_file=None)


def test_production_accepts_a_real_secret():
    settings = Settings(environment="production", secret_key="x" * 40, _env_file=None)
    assert not settings.is_development


def test_defaults():
    settings = Settings(_env_file=None)
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert str(settings.pgdata_dir) == ".gateway/pgdata"
