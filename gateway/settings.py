"""Configuration, read once from the environment (or a .env file) in the app factory."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secrets that ship in examples and must never reach production.
_DEV_SECRET = "development-only-secret-change-me-before-production"
_PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", _DEV_SECRET})


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="")

    environment: Environment = Environment.development
    # Unset means: start the embedded PostgreSQL (pgserver) in `pgdata_dir`.
    database_url: str | None = None
    pgdata_dir: Path = Path(".gateway/pgdata")
    # Unset means: in-process broker, cache and rate-limit counters (single process only).
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr = SecretStr(_DEV_SECRET)
    # The workspace anonymous local callers act in until authentication is configured.
    default_workspace_id: str = "ws_default"
    db_pool_size: int = Field(default=10, ge=1)
    sql_echo: bool = False
    jwt_issuer: str = "marketing-graph-gateway"
    access_token_ttl: int = Field(default=900, ge=60, description="seconds")
    refresh_token_ttl: int = Field(default=30 * 24 * 3600, ge=3600, description="seconds")
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=1024)
    graphql_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Multiplies every documented rate limit (tests use small budgets; 0 turns limits off).
    rate_limit_scale: float = Field(default=1.0, ge=0)
    # Every principal's one budget across all surfaces, REST and GraphQL alike.
    gateway_requests_per_minute: int = Field(default=1000, ge=1)
    # Namespace of the counters in Redis (replicas of one deployment share it).
    rate_limit_key_prefix: str = "gateway"
    # Apply pending migrations when the app starts (safe with replicas: an advisory lock).
    migrate_on_start: bool = True

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if (
            self.environment is Environment.production
            and self.secret_key.get_secret_value() in _PLACEHOLDER_SECRETS
        ):
            raise ValueError("SECRET_KEY must be set to a real secret outside development")
        if self.environment is Environment.production and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.development
