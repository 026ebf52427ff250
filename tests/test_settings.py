"""Settings: placeholder secrets refused outside development, and the pool they size."""

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


async def test_the_pool_keeps_what_settings_ask(settings):  # type: ignore[no-untyped-def]
    """Connections beyond the kept ones are opened and closed per checkout: the app's pool
    keeps DB_POOL_SIZE and bursts DB_POOL_OVERFLOW more, as configured."""
    from asgi_lifespan import LifespanManager

    from gateway.app import create_app

    assert (Settings(_env_file=None).db_pool_size, Settings(_env_file=None).db_pool_overflow) == (
        20,
        10,
    )
    configured = settings.model_copy(
        update={"db_pool_size": 3, "db_pool_overflow": 2, "migrate_on_start": False}
    )
    app = create_app(configured)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60):
        pool = app.state.engine.pool
        assert (pool.size(), pool._max_overflow) == (3, 2)
